import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { PartRow } from "../store/uploads-table.js";

/**
 * The bytes of uploads on disk: DIR/uploads/<dir>/part-<N> per part received,
 * and DIR/uploads/<dir>/content once all parts are there. Each file is written
 * under a temporary name, synced, then renamed, so a file with its final name
 * is always whole.
 */
export class PartFiles {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
  }

  async createDir(dir: string): Promise<void> {
    await mkdir(join(this.root, dir), { recursive: true });
  }

  contentPath(dir: string): string {
    return join(this.root, dir, "content");
  }

  async writePart(dir: string, partNumber: number, bytes: Uint8Array): Promise<void> {
    await writeDurably(join(this.root, dir, `part-${partNumber}`), bytes);
  }

  /** `length` bytes of a stored part from `offset`. */
  async readPart(dir: string, partNumber: number, offset: number, length: number): Promise<Buffer> {
    const handle = await open(join(this.root, dir, `part-${partNumber}`), "r");
    try {
      const bytes = Buffer.alloc(length);
      const { bytesRead } = await handle.read(bytes, 0, length, offset);
      if (bytesRead !== length) throw new Error(`part ${partNumber} of upload folder ${dir} is cut short`);
      return bytes;
    } finally {
      await handle.close();
    }
  }

  /** Writes the content file from parts that together cover [0, length). */
  async assemble(dir: string, parts: readonly PartRow[], length: number): Promise<void> {
    const sorted = [...parts].sort((a, b) => a.range_start - b.range_start);
    const tmp = `${this.contentPath(dir)}.${randomBytes(4).toString("hex")}.tmp`;
    const handle = await open(tmp, "w");
    try {
      let at = 0;
      for (const part of sorted) {
        const end = part.range_start + part.length;
        if (end <= at) continue;
        if (part.range_start > at) throw new Error(`bytes ${at}-${part.range_start - 1} are missing`);
        const bytes = await this.readPart(dir, part.part_number, at - part.range_start, end - at);
        await handle.write(bytes, 0, bytes.length, at);
        at = end;
      }
      if (at < length) throw new Error(`bytes ${at}-${length - 1} are missing`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.contentPath(dir));
  }

  /** Removes part files; missing ones are fine. */
  async removeParts(dir: string, partNumbers: readonly number[]): Promise<void> {
    await Promise.all(
      partNumbers.map((n) =>
        unlink(join(this.root, dir, `part-${n}`)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== "ENOENT") throw error;
        }),
      ),
    );
  }

  async removeDir(dir: string): Promise<void> {
    await rm(join(this.root, dir), { recursive: true, force: true });
  }

  /** The upload folders on disk. */
  async dirs(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }
}

async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  const handle = await open(tmp, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
