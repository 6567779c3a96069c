import { randomBytes } from "node:crypto";
import { mkdir, open, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Where some bytes live: "<file>:<offset>:<length>", the file relative to the
 * blob folder. Only this module reads or makes one.
 */
export type BlobRef = string;

/** Bytes of freshly written blobs kept in memory for the processor, at most. */
const HOT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * Input bytes as files under DIR/blobs/ (spread over 256 sub-folders). The
 * payloads of one PostInputs request are written together as one pack file
 * (creating a file costs far more than writing to it), before the rows that
 * refer to them; a pack is removed once no row refers to it. Freshly written
 * payloads are also kept in a bounded in-memory cache that the processor takes
 * them from, so processing does not read them back from disk.
 */
export class BlobStore {
  private readonly hot = new Map<BlobRef, Buffer>();
  private hotBytes = 0;

  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const dirs: Promise<unknown>[] = [];
    for (let i = 0; i < 256; i++) {
      dirs.push(mkdir(join(this.root, i.toString(16).padStart(2, "0")), { recursive: true }));
    }
    await Promise.all(dirs);
  }

  /** Writes the parts as one new pack file; returns the file and a ref per part. */
  async writePack(parts: readonly Buffer[]): Promise<{ file: string; refs: BlobRef[] }> {
    const hex = randomBytes(16).toString("hex");
    const file = `${hex.slice(0, 2)}/${hex}`;
    const refs: BlobRef[] = [];
    let offset = 0;
    for (const part of parts) {
      refs.push(`${file}:${offset}:${part.length}`);
      offset += part.length;
    }
    await writeFile(join(this.root, file), parts);
    parts.forEach((part, i) => {
      const ref = refs[i];
      if (ref !== undefined && this.hotBytes + part.length <= HOT_CACHE_BYTES) {
        this.hot.set(ref, part);
        this.hotBytes += part.length;
      }
    });
    return { file, refs };
  }

  /** The pack file a ref points into. */
  fileOf(ref: BlobRef): string {
    return parseRef(ref).file;
  }

  async read(ref: BlobRef): Promise<Buffer> {
    return this.hot.get(ref) ?? this.readFromDisk(ref);
  }

  /** Reads a blob for processing and drops it from the in-memory cache. */
  async take(ref: BlobRef): Promise<Buffer> {
    const cached = this.hot.get(ref);
    if (cached === undefined) return this.readFromDisk(ref);
    this.forget([ref]);
    return cached;
  }

  /** Drops refs from the in-memory cache (their input was not created or was deleted). */
  forget(refs: readonly BlobRef[]): void {
    for (const ref of refs) {
      const cached = this.hot.get(ref);
      if (cached === undefined) continue;
      this.hot.delete(ref);
      this.hotBytes -= cached.length;
    }
  }

  /** Removes pack files; a missing one is not an error. */
  async removeFiles(files: readonly string[]): Promise<void> {
    await Promise.all(
      files.map(async (file) => {
        try {
          await unlink(join(this.root, file));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
      }),
    );
  }

  private async readFromDisk(ref: BlobRef): Promise<Buffer> {
    const { file, offset, length } = parseRef(ref);
    const handle = await open(join(this.root, file), "r");
    try {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await handle.read(bytes, 0, length, offset);
      if (bytesRead !== length) throw new Error(`blob ${ref} is cut short (${bytesRead} of ${length} bytes)`);
      return bytes;
    } finally {
      await handle.close();
    }
  }
}

function parseRef(ref: BlobRef): { file: string; offset: number; length: number } {
  const [file = "", offset = "0", length = "0"] = ref.split(":");
  return { file, offset: Number(offset), length: Number(length) };
}
