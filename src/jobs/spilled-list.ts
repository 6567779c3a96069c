import { closeTemporaryFile, openTemporaryFile, recordsIn, writeAllSync, type TemporaryFile } from "../temporary-file.js";

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
      for (const line of recordsIn(this.file.fd, 0, this.written, "\n", Buffer.allocUnsafe(READ_CHUNK))) yield JSON.parse(line) as T;
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
