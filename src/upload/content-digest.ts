import { createHash, hash } from "node:crypto";
import type { EncodedPostInputs } from "../api/post-inputs-request.js";

/**
 * The metadata key under which every input carries the SHA-256 of its content (the
 * file's bytes, a text's UTF-8, a URL's text), in hex. An input that also carries a
 * prompt (an image or video with a text, from a manifest) hashes the content, a NUL
 * byte, then the prompt's UTF-8: a changed prompt is changed content. It is how the tool knows what an
 * input on the server holds: an id taken on the server counts as "present" only when
 * the input under it carries the same digest.
 */
export const CONTENT_DIGEST_KEY = "content_sha256";

const DIGEST_LENGTH = 64;

/**
 * Stands in for a file's digest while its request is laid out: the file is read into the
 * request afterwards, and its digest written over this (same length, so nothing moves).
 */
export const DIGEST_PLACEHOLDER = "\u0001".repeat(DIGEST_LENGTH);
const PLACEHOLDER_BYTES = Buffer.from(DIGEST_PLACEHOLDER);

/** The digest of content given as bytes or text, with the prompt sent beside it, if any. */
export function digestOf(content: Uint8Array | string, prompt?: string): string {
  // Without a prompt, the one-shot hash: half the cost of a Hash object for a small file.
  if (prompt === undefined) return hash("sha256", content, "hex");
  const digest = typeof content === "string" ? createHash("sha256").update(content, "utf8") : createHash("sha256").update(content);
  return digest.update("\0").update(prompt, "utf8").digest("hex");
}

/** What the digest adds to an input's metadata when encoded: its key, its value and their framing. */
export const DIGEST_METADATA_BYTES = CONTENT_DIGEST_KEY.length + DIGEST_LENGTH + 12;

/**
 * Hashes input `index`'s file bytes in the request and writes the digest over its
 * placeholder: the last bytes of its metadata, whose last entry it is (see
 * `uploadInputOf`), never a prompt or a metadata value that holds the same bytes. A
 * request laid out without its metadata's place known is searched from the end.
 */
export function writeDigest(request: EncodedPostInputs, index: number, prompt?: string): string {
  const digest = digestOf(request.slot(index), prompt);
  const metadata = request.metadataOf(index);
  const fields = metadata ?? request.fieldsBeforeSlot(index);
  const at = metadata ? metadata.length - PLACEHOLDER_BYTES.length : fields.lastIndexOf(PLACEHOLDER_BYTES);
  if (at < 0 || !fields.subarray(at, at + PLACEHOLDER_BYTES.length).equals(PLACEHOLDER_BYTES)) throw new Error(`input ${index} of the request has no digest placeholder`);
  fields.write(digest, at, "latin1");
  return digest;
}

/** The digest an input on the server carries in its metadata, if any. */
export function storedDigest(metadata: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const value = metadata?.[CONTENT_DIGEST_KEY];
  return typeof value === "string" && value.length === DIGEST_LENGTH ? value : undefined;
}
