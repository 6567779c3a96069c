import { readSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { closeTemporaryFile, openTemporaryFile, writeAllSync, type TemporaryFile } from "../temporary-file.js";

const READ_CHUNK = 1024 * 1024;

/**
 * A list that may grow to millions of items in bounded memory: it holds up to `maxHeld`
 * items, and past that moves them all, and every later one, to a temporary file (JSON, a
 * line each) that is read back in order. The file's folder is removed as soon as the file
 * is open (where the system allows it; otherwise at close), so a process killed midway
 * leaves nothing behind.
 */
export class SpilledList<T> {
  private held: T[] = [];
  private file: TemporaryFile | undefined;
  private written = 0;

  constructor(private readonly maxHeld: number) {}

  push(items: readonly T[]): void {
    if (this.file === undefined && this.held.length + items.length <= this.maxHeld) {
      this.held.push(...items);
      return;
    }
    this.file ??= openTemporaryFile("list.jsonl");
    const text = [...this.held, ...items].map((item) => `${JSON.stringify(item)}\n`).join("");
    this.held = [];
    this.written += writeAllSync(this.file.fd, text, this.written);
  }

  /** Every item, in the order pushed. Read once: the file is closed after it. */
  *values(): Generator<T> {
    if (this.file === undefined) {
      yield* this.held;
      return;
    }
    try {
      const chunk = Buffer.allocUnsafe(READ_CHUNK);
      // A character split between two chunks is decoded whole.
      const decoder = new StringDecoder("utf8");
      let position = 0;
      let partial = "";
      for (;;) {
        const read = readSync(this.file.fd, chunk, 0, chunk.length, position);
        if (read === 0) break;
        position += read;
        const lines = (partial + decoder.write(chunk.subarray(0, read))).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) yield JSON.parse(line) as T;
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.file === undefined) return;
    closeTemporaryFile(this.file);
    this.file = undefined;
  }
}
