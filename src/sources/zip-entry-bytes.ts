import type { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type { Entry, ZipFile } from "yauzl";
import type { ByteSource } from "./candidate.js";
import type { ZipHandle } from "./zip-handle.js";

export type EntryProblem = "entry_size_mismatch" | "corrupt_entry";

/** An entry whose bytes are not what the archive declares. The message does not name the entry (callers do). */
export class ZipEntryError extends Error {
  constructor(
    readonly code: EntryProblem,
    message: string,
  ) {
    super(message);
    this.name = "ZipEntryError";
  }
}

/** Heads up to this long are kept for the next head read (the listing's peek, then the validator's sniff). */
const KEPT_PREFIX_BYTES = 64 * 1024;

/**
 * An archive entry's bytes, inflated on demand from the archive and never
 * written anywhere. No read goes past the declared size plus one byte, so an
 * entry that inflates to more than it declares costs no more memory than an
 * honest one: it fails with `entry_size_mismatch`. Whole reads are checked
 * against the entry's CRC-32.
 */
export function entryByteSource(handle: ZipHandle, entry: Entry): ByteSource {
  const size = entry.uncompressedSize;
  let prefix: Buffer | undefined;
  let whole: Buffer | undefined;
  const source: ByteSource = {
    size,
    async head(length: number): Promise<Buffer> {
      if (whole) return whole.subarray(0, length);
      if (prefix && prefix.length >= length) return prefix.subarray(0, length);
      // One byte more than the declared size tells an entry that lies about it.
      const wanted = length >= size ? size + 1 : length;
      const bytes = await readChecked(handle, entry, wanted, Buffer.allocUnsafe(wanted));
      if (bytes.length === size && wanted > size) whole = bytes;
      else if (bytes.length <= KEPT_PREFIX_BYTES) prefix = bytes;
      return bytes.subarray(0, length);
    },
    async all(): Promise<Buffer> {
      const bytes = whole ?? (await readChecked(handle, entry, size + 1, Buffer.allocUnsafe(size + 1)));
      whole = undefined;
      prefix = undefined;
      return bytes;
    },
    async readInto(target: Buffer): Promise<void> {
      if (whole) whole.copy(target);
      else await readChecked(handle, entry, size + 1, target);
      whole = undefined;
      prefix = undefined;
    },
    // Whole: reads of one archive take turns, so few entries are held at once.
    async *chunks(): AsyncGenerator<Uint8Array> {
      yield await source.all();
    },
  };
  return source;
}

/**
 * Reads up to `wanted` bytes of the entry into `target` (what does not fit is only
 * counted) and returns those read, failing unless they agree with the declared size and,
 * when whole, the CRC-32.
 */
async function readChecked(handle: ZipHandle, entry: Entry, wanted: number, target: Buffer): Promise<Buffer> {
  const count = await read(handle, entry, wanted, target);
  const bytes = target.subarray(0, Math.min(count, target.length));
  const size = entry.uncompressedSize;
  if (count > size) {
    throw sizeMismatch(`it holds more than the ${size} bytes the archive declares`);
  }
  if (count < Math.min(wanted, size)) {
    throw sizeMismatch(`it holds only ${count} bytes, but the archive declares ${size}`);
  }
  if (count === size && wanted > size && crc32(bytes) !== entry.crc32) {
    throw new ZipEntryError(
      "corrupt_entry",
      `the entry's data is corrupt: its CRC-32 is ${hex(crc32(bytes))}, the archive declares ${hex(entry.crc32)}`,
    );
  }
  return bytes;
}

function sizeMismatch(detail: string): ZipEntryError {
  return new ZipEntryError("entry_size_mismatch", `the entry's real size differs from its declared size (entry_size_mismatch): ${detail}`);
}

function hex(crc: number): string {
  return crc.toString(16).padStart(8, "0");
}

/** Reads up to `wanted` bytes from the start of the entry into `target`, keeping what fits; returns how many it gave. */
function read(handle: ZipHandle, entry: Entry, wanted: number, target: Buffer): Promise<number> {
  return handle.use(async (zipfile) => {
    const stream = await openStream(zipfile, entry);
    // Errors after reading stopped concern nobody; those before reach the loop below.
    stream.on("error", () => undefined);
    let filled = 0;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        const taken = Math.min(chunk.length, wanted - filled);
        if (filled < target.length) chunk.copy(target, filled, 0, Math.min(taken, target.length - filled));
        filled += taken;
        if (filled === wanted) break;
      }
    } catch (error) {
      throw new ZipEntryError("corrupt_entry", `the entry's data cannot be read: ${messageOf(error)}`);
    } finally {
      release(stream);
    }
    return filled;
  });
}

function openStream(zipfile: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (error, stream) => {
      if (error) reject(new ZipEntryError("corrupt_entry", `the entry's data cannot be read: ${error.message}`));
      else resolve(stream);
    });
  });
}

/** Stops a stream that may not have ended; yauzl's destroy also lets go of the archive's file descriptor. */
function release(stream: Readable): void {
  stream.destroy();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
