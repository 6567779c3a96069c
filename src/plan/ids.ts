import { createHash, hash } from "node:crypto";
import { posix } from "node:path";
import { MAX_INPUT_ID_LENGTH } from "../validate/limits.js";
import { ClaimedIds, type ClaimedIdsOptions } from "./claimed-ids.js";

export type IdFrom = "path" | "name" | "hash";

/** Longest id this tool makes: the platform's limit. */
export const MAX_ID_LENGTH = MAX_INPUT_ID_LENGTH;
const HASH_LENGTH = 8;
const VALID_ID = /^[A-Za-z0-9_-]+$/;

export function isValidInputId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && VALID_ID.test(id);
}

export function shortHash(text: string | Buffer, length = HASH_LENGTH): string {
  return hash("sha256", text, "hex").slice(0, length);
}

/** `shortHash` of bytes that come in chunks. */
export async function shortHashOfChunks(chunks: AsyncIterable<Uint8Array>, length = HASH_LENGTH): Promise<string> {
  const digest = createHash("sha256");
  for await (const chunk of chunks) digest.update(chunk);
  return digest.digest("hex").slice(0, length);
}

/**
 * A deterministic input id from a name: `prefix` + the name with every character outside
 * [A-Za-z0-9_-] replaced by `_`, bounded in length, with a short hash of the original
 * appended whenever that replacement or truncation lost information (so `a.jpg` and
 * `a.png` never meet).
 */
export function idFromName(name: string, prefix = ""): string {
  const raw = prefix + name;
  const sanitized = raw.replace(/[^A-Za-z0-9_-]/g, "_");
  if (sanitized === raw && raw.length <= MAX_ID_LENGTH && raw.length > 0) return raw;
  const room = MAX_ID_LENGTH - HASH_LENGTH - 1;
  // One flat string: a template literal would keep its parts (and the whole sanitized
  // name behind a slice of it) alive for as long as the id.
  return [sanitized.slice(0, room), shortHash(raw)].join("-");
}

/** The id source text for a candidate under `--id-from path|name`. */
export function idSourceText(relPath: string, from: Exclude<IdFrom, "hash">): string {
  return from === "name" ? posix.basename(relPath) : relPath;
}

/**
 * Keeps ids unique within one run. A second candidate that would get an id already
 * taken gets one with a hash of its relative path appended, and the collision is reported.
 * The ids taken are kept in a set whose memory does not grow with the run (on disk past
 * a few thousand); `close` lets it go.
 */
export class IdRegistry {
  private readonly taken: ClaimedIds;

  constructor(options?: ClaimedIdsOptions) {
    this.taken = new ClaimedIds(options);
  }

  claim(id: string, relPath: string): { id: string; collidedWith?: string } {
    if (!this.taken.has(id)) {
      this.taken.add(id);
      return { id };
    }
    let unique = namesakeId(id, relPath);
    for (let n = 2; this.taken.has(unique); n++) unique = namesakeId(id, `${relPath}#${n}`);
    this.taken.add(unique);
    return { id: unique, collidedWith: id };
  }

  close(): void {
    this.taken.close();
  }
}

/** The id a second input whose id would be `id` gets: `id` with a hash of its relative path. */
export function namesakeId(id: string, relPath: string): string {
  return idFromName(`${id}-${shortHash(relPath)}`);
}

/** Shard of an id for `--shard I/N`: a stable hash, so N machines split work with no overlap. */
export function shardOf(id: string, count: number): number {
  return hash("sha256", id, "buffer").readUInt32BE(0) % count;
}
