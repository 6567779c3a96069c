import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import type { ByteSource } from "./candidate.js";

/**
 * Reads up to this many bytes synchronously. A small read from the page cache costs
 * microseconds; the same read through the thread pool costs several times that in
 * round trips, which dominates when tens of thousands of small files are uploaded.
 */
const SYNC_READ_LIMIT = 256 * 1024;

/**
 * A file's bytes, opened only when read. When a head read already covered the whole
 * file (most small images), those bytes are kept for `all()`, so the file is opened and
 * read once, not twice.
 */
export function fileByteSource(path: string, size: number): ByteSource {
  let whole: Buffer | undefined;
  return {
    size,
    path,
    async head(length: number): Promise<Buffer> {
      if (whole) return whole.subarray(0, length);
      // One byte more than the size tells a file that grew since it was found.
      const wanted = size < length ? size + 1 : length;
      const buffer = wanted <= SYNC_READ_LIMIT ? readSyncFrom(path, wanted, size) : await readAsyncFrom(path, wanted);
      if (size < length && buffer.length === size) whole = buffer;
      return buffer.subarray(0, length);
    },
    async all(): Promise<Buffer> {
      const bytes = whole ?? (size + 1 <= SYNC_READ_LIMIT ? readSyncFrom(path, size + 1, size) : await readAsyncFrom(path, size + 1));
      whole = undefined;
      if (bytes.length !== size) throw new Error(`${path} changed size while being read (expected ${size} bytes, found ${bytes.length}${bytes.length > size ? " or more" : ""})`);
      return bytes;
    },
  };
}

/**
 * Up to `length` bytes from the start of the file (fewer when it is shorter). A short
 * read that ends exactly at `expectedSize` is taken as the end of the file, which saves
 * the second read that would only confirm it.
 */
function readSyncFrom(path: string, length: number, expectedSize: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let offset = 0;
    while (offset < length) {
      const wanted = length - offset;
      const bytesRead = readSync(fd, buffer, offset, wanted, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
      if (bytesRead < wanted && offset === expectedSize) break;
    }
    return buffer.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}

async function readAsyncFrom(path: string, length: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(length);
    let offset = 0;
    while (offset < length) {
      const { bytesRead } = await handle.read(buffer, offset, length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } finally {
    await handle.close();
  }
}

/** Size + mtime: what tells a re-run that a file changed. */
export function fileFingerprint(size: number, mtimeMs: number): string {
  return `${size}:${Math.floor(mtimeMs)}`;
}
