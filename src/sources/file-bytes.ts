import { closeSync, fstatSync, openSync, readSync, readvSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import type { ByteSource, Candidate } from "./candidate.js";

/**
 * Reads up to this many bytes synchronously. A small read from the page cache costs
 * microseconds; the same read through the thread pool costs several times that in
 * round trips, which dominates when tens of thousands of small files are uploaded.
 */
const SYNC_READ_LIMIT = 256 * 1024;
const CHUNK_BYTES = 1024 * 1024;

/**
 * Up to this size a head read takes the whole file, which is kept for the read that
 * sends it: each small file is opened and read once. 128 such files (a full request)
 * hold at most 8 MiB while they wait.
 */
const WHOLE_READ_LIMIT = 64 * 1024;

/**
 * A file's bytes, opened only when read. When a head read covered the whole file (every
 * file up to 64 KiB, the bulk of most uploads), those bytes are kept for the read that
 * sends them, so the file is opened and read once, not twice.
 */
export function fileByteSource(path: string, size: number): ByteSource {
  return new FileBytes(path, size);
}

/**
 * A file found by a walk and not looked at yet: its size and mtime come from the first
 * read (one open, fstat, read and close), or from a stat when they are asked for first
 * (a re-run compares the fingerprint of a file it has seen before). Either way the path
 * is resolved once per file less than a stat at discovery and an open at reading.
 */
export function unstatedFile(source: string, relPath: string): Candidate {
  return new UnstatedFile(source, relPath);
}

class UnstatedFile {
  readonly content: { readonly kind: "bytes"; readonly bytes: FileBytes };
  declare readonly fingerprint: string;

  constructor(
    readonly source: string,
    readonly relPath: string,
  ) {
    this.content = { kind: "bytes", bytes: new FileBytes(source, UNKNOWN) };
    // An own property (one getter shared by all), so that a copy (`{...candidate}`) takes its value.
    Object.defineProperty(this, "fingerprint", FINGERPRINT);
  }
}

/** Size + mtime as of the first read of the file (or of a stat, if asked before it); empty when it cannot be stat'ed. */
const FINGERPRINT: PropertyDescriptor = {
  enumerable: true,
  get(this: UnstatedFile): string {
    return this.content.bytes.fingerprint();
  },
};

/** The size of a file not stat'ed yet. */
const UNKNOWN = -1;

/** A class rather than closures: a job of millions of files makes one per file. */
class FileBytes implements ByteSource {
  private whole: Buffer | undefined;
  private madeFingerprint: string | undefined;
  mtimeMs = 0;

  constructor(
    readonly path: string,
    private knownSize: number,
  ) {}

  /** Stats the file unless its size is known; false when that fails. */
  stat(): boolean {
    if (this.knownSize !== UNKNOWN) return true;
    try {
      const { size, mtimeMs } = statSync(this.path);
      this.knownSize = size;
      this.mtimeMs = mtimeMs;
      return true;
    } catch {
      return false;
    }
  }

  /** Size + mtime as of the first stat or read, made once (a re-run compares it, then records it); empty while it cannot be stat'ed. */
  fingerprint(): string {
    if (this.madeFingerprint === undefined && this.stat()) this.madeFingerprint = fileFingerprint(this.knownSize, this.mtimeMs);
    return this.madeFingerprint ?? "";
  }

  /** The size found at discovery or at the first read (0 for a file that cannot be stat'ed). */
  get size(): number {
    return this.stat() ? this.knownSize : 0;
  }

  async head(length: number): Promise<Buffer> {
    const now = this.headNow(length);
    if (now) return now;
    const { path, size } = this;
    const target = Buffer.allocUnsafe(headLength(size, length));
    return this.keep(target, await readAsyncInto(path, target), size, length);
  }

  /** `head`, when it is small enough to read synchronously; undefined when it is not. Throws what the read throws. */
  headNow(length: number): Buffer | undefined {
    if (this.whole) return length >= this.whole.length ? this.whole : this.whole.subarray(0, length);
    if (this.knownSize === UNKNOWN) {
      const first = this.firstRead(length);
      if (first) return first;
    }
    const { path, size } = this;
    const wanted = headLength(size, length);
    if (wanted > SYNC_READ_LIMIT) return undefined;
    const target = Buffer.allocUnsafe(wanted);
    return this.keep(target, readSyncInto(path, target, size), size, length);
  }

  /**
   * The first look at a file never stat'ed: opened, fstat'ed and, when the head fits a
   * synchronous read, read before it is closed. Returns undefined (stats known, nothing
   * read) when the head is too large for that.
   */
  private firstRead(length: number): Buffer | undefined {
    const fd = openSync(this.path, "r");
    try {
      const { size, mtimeMs } = fstatSync(fd);
      this.knownSize = size;
      this.mtimeMs = mtimeMs;
      const wanted = headLength(size, length);
      if (wanted > SYNC_READ_LIMIT) return undefined;
      const target = Buffer.allocUnsafe(wanted);
      return this.keep(target, readFdInto(fd, target, size), size, length);
    } finally {
      closeSync(fd);
    }
  }

  /** A head read's bytes, kept for the read that sends them when they are the whole file. */
  private keep(target: Buffer, found: number, size: number, length: number): Buffer {
    const buffer = found >= target.length ? target : target.subarray(0, found);
    if (target.length === size + 1 && found === size) this.whole = buffer;
    return length >= buffer.length ? buffer : buffer.subarray(0, length);
  }

  async all(): Promise<Buffer> {
    if (this.whole) {
      const bytes = this.whole;
      this.whole = undefined;
      return bytes;
    }
    const target = Buffer.allocUnsafe(this.size);
    await this.readInto(target);
    return target;
  }

  async readInto(target: Buffer): Promise<void> {
    const { path, size } = this;
    if (target.length !== size) throw new RangeError(`${path}: a buffer of ${target.length} bytes cannot hold its ${size}`);
    if (this.whole) {
      this.whole.copy(target);
      this.whole = undefined;
      return;
    }
    const found = size + 1 <= SYNC_READ_LIMIT ? readSyncInto(path, target, size) : await readAsyncInto(path, target);
    if (found !== size) throw changedSize(path, size, found);
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    const { path, size } = this;
    if (this.whole || size + 1 <= SYNC_READ_LIMIT) {
      // Kept, as the head read keeps it, for the read that sends it.
      const bytes = await this.head(size + 1);
      if (bytes.length !== size) throw changedSize(path, size, bytes.length);
      yield bytes;
      return;
    }
    yield* chunksOf(path, size);
  }
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
 * Fills `target` from the start of the file and returns how many bytes it found: at most
 * the target's length, or one more when the target is exactly `expectedSize` long (so a
 * file longer than expected shows). A short read that ends exactly at `expectedSize` is
 * taken as the end of the file, which saves the read that would only confirm it.
 */
function readSyncInto(path: string, target: Buffer, expectedSize: number): number {
  const fd = openSync(path, "r");
  try {
    return readFdInto(fd, target, expectedSize);
  } finally {
    closeSync(fd);
  }
}

/** `readSyncInto` on a file already open. */
function readFdInto(fd: number, target: Buffer, expectedSize: number): number {
  // A target exactly as long as the file gets the byte that tells it grew from a spare
  // buffer in the same call; any other target takes one plain read.
  const spare = target.length === expectedSize ? 1 : 0;
  let offset = 0;
  for (;;) {
    const wanted = target.length + spare - offset;
    const bytesRead =
      spare === 0 ? readSync(fd, target, offset, wanted, offset) : readvSync(fd, offset < target.length ? [target.subarray(offset), SPARE_BYTE] : [SPARE_BYTE], offset);
    offset += bytesRead;
    if (bytesRead === 0 || offset > expectedSize || offset >= target.length + spare) return offset;
    if (bytesRead < wanted && offset === expectedSize) return offset;
  }
}

/** The byte after the end of a synchronous read's target (reads on the main thread never overlap). */
const SPARE_BYTE = Buffer.allocUnsafe(1);

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

/** Bytes a head read of `length` takes: the whole file and one byte more (which tells a file that grew) when it is small or shorter than asked. */
function headLength(size: number, length: number): number {
  return size < length || size <= WHOLE_READ_LIMIT ? size + 1 : length;
}

/** Size + mtime: what tells a re-run that a file changed. */
export function fileFingerprint(size: number, mtimeMs: number): string {
  return `${size}:${Math.floor(mtimeMs)}`;
}
