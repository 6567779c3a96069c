import { closeSync, openSync, readvSync } from "node:fs";
import { open } from "node:fs/promises";
import type { ByteSource } from "./candidate.js";

/**
 * Reads up to this many bytes synchronously. A small read from the page cache costs
 * microseconds; the same read through the thread pool costs several times that in
 * round trips, which dominates when tens of thousands of small files are uploaded.
 */
const SYNC_READ_LIMIT = 256 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * A file's bytes, opened only when read. When a head read already covered the whole
 * file (most small images), those bytes are kept for the whole read, so the file is
 * opened and read once, not twice.
 */
export function fileByteSource(path: string, size: number): ByteSource {
  let whole: Buffer | undefined;
  const source: ByteSource = {
    size,
    path,
    async head(length: number): Promise<Buffer> {
      if (whole) return whole.subarray(0, length);
      // One byte more than the size tells a file that grew since it was found.
      const wanted = size < length ? size + 1 : length;
      const target = Buffer.allocUnsafe(wanted);
      const found = wanted <= SYNC_READ_LIMIT ? readSyncInto(path, target, size) : await readAsyncInto(path, target);
      const buffer = target.subarray(0, Math.min(found, wanted));
      if (size < length && buffer.length === size) whole = buffer;
      return buffer.subarray(0, length);
    },
    async all(): Promise<Buffer> {
      if (whole) {
        const bytes = whole;
        whole = undefined;
        return bytes;
      }
      const target = Buffer.allocUnsafe(size);
      await source.readInto(target);
      return target;
    },
    async readInto(target: Buffer): Promise<void> {
      if (target.length !== size) throw new RangeError(`${path}: a buffer of ${target.length} bytes cannot hold its ${size}`);
      if (whole) {
        whole.copy(target);
        whole = undefined;
        return;
      }
      const found = size + 1 <= SYNC_READ_LIMIT ? readSyncInto(path, target, size) : await readAsyncInto(path, target);
      if (found !== size) throw changedSize(path, size, found);
    },
    async *chunks(): AsyncGenerator<Uint8Array> {
      if (whole || size + 1 <= SYNC_READ_LIMIT) {
        // Kept, as the head read keeps it, for the read that sends it.
        const bytes = await source.head(size + 1);
        if (bytes.length !== size) throw changedSize(path, size, bytes.length);
        yield bytes;
        return;
      }
      yield* chunksOf(path, size);
    },
  };
  return source;
}

/** A large file read a chunk at a time into one buffer, so that hashing it takes no more memory than that. */
async function* chunksOf(path: string, size: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    let offset = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      if (offset > size) throw changedSize(path, size, offset);
      yield buffer.subarray(0, bytesRead);
    }
    if (offset !== size) throw changedSize(path, size, offset);
  } finally {
    await handle.close();
  }
}

function changedSize(path: string, expected: number, found: number): Error {
  return new Error(`${path} changed size while being read (expected ${expected} bytes, found ${found}${found > expected ? " or more" : ""})`);
}

/**
 * Fills `target` from the start of the file and returns how many bytes the file has, up
 * to one more than fits (so a file longer than expected shows). A short read that ends
 * exactly at `expectedSize` is taken as the end of the file, which saves the read that
 * would only confirm it.
 */
function readSyncInto(path: string, target: Buffer, expectedSize: number): number {
  const fd = openSync(path, "r");
  try {
    const extra = Buffer.allocUnsafe(1);
    let offset = 0;
    for (;;) {
      const buffers = offset < target.length ? [target.subarray(offset), extra] : [extra];
      const wanted = target.length + 1 - offset;
      const bytesRead = readvSync(fd, buffers, offset);
      offset += bytesRead;
      if (bytesRead === 0 || offset > target.length) return offset;
      if (bytesRead < wanted && offset === expectedSize) return offset;
    }
  } finally {
    closeSync(fd);
  }
}

/** `readSyncInto` through the thread pool, for large files. */
async function readAsyncInto(path: string, target: Buffer): Promise<number> {
  const handle = await open(path, "r");
  try {
    const extra = Buffer.allocUnsafe(1);
    let offset = 0;
    for (;;) {
      const buffers = offset < target.length ? [target.subarray(offset), extra] : [extra];
      const { bytesRead } = await handle.readv(buffers, offset);
      offset += bytesRead;
      if (bytesRead === 0 || offset > target.length) return offset;
    }
  } finally {
    await handle.close();
  }
}

/** Size + mtime: what tells a re-run that a file changed. */
export function fileFingerprint(size: number, mtimeMs: number): string {
  return `${size}:${Math.floor(mtimeMs)}`;
}
