import { createHash } from "node:crypto";
import { MAX_ID_LENGTH } from "../ids.js";

const HASH_LENGTH = 8;

/**
 * The input id of an extracted object, derived from its key so that extracting
 * the same source again gives the same ids (and duplicates are recognized):
 * the key with every character outside [A-Za-z0-9_-] replaced by `_`; when that
 * lost information or the key is longer than 48 characters, the end of the
 * sanitized key (where the file name is) plus `-` and 8 hex digits of the
 * key's SHA-256.
 *
 * Keys: `BUCKET/KEY` for s3:// and gs://, the absolute path without its
 * leading `/` for file://, `ARCHIVE_KEY/ENTRY_PATH` for an archive's entries,
 * and `CONTENT_NAME/ENTRY_PATH` (or the upload id when the upload has no
 * content name) for an uploaded archive.
 */
export function inputIdFromKey(key: string): string {
  const sanitized = key.replace(/[^A-Za-z0-9_-]/g, "_");
  if (sanitized === key && key.length > 0 && key.length <= MAX_ID_LENGTH) return key;
  const hash = createHash("sha256").update(key).digest("hex").slice(0, HASH_LENGTH);
  const room = MAX_ID_LENGTH - HASH_LENGTH - 1;
  const tail = sanitized.slice(Math.max(0, sanitized.length - room)).replace(/^[_-]+/, "");
  return tail === "" ? hash : `${tail}-${hash}`;
}
