import { opendirSync } from "node:fs";
import type { Dir } from "node:fs";
import { closeTemporaryFile, openTemporaryFile, recordsIn, writeAllSync, type TemporaryFile } from "../temporary-file.js";

/** An entry of a folder as the walk needs it: a `Dirent`, or one read back from a sorted run. */
export interface FolderEntry {
  readonly name: string;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** What an entry is sorted by: the path it leads to, a folder's name taken with the `/` its files' paths have after it. */
function pathKey(entry: FolderEntry): string {
  return entry.isDirectory() ? `${entry.name}/` : entry.name;
}

/**
 * Entries in the order of the paths they lead to: by the UTF-16 code units of their
 * names (as `<` compares them), a folder's name taken with its `/` (`m.txt` before
 * `m/a.txt`).
 */
export function byPath(a: FolderEntry, b: FolderEntry): number {
  const first = pathKey(a);
  const second = pathKey(b);
  return first < second ? -1 : first > second ? 1 : 0;
}

/** Entries sorted in memory at a time: a run of the merge. */
const RUN_ENTRIES = 50_000;

/** Bytes of a run read back at a time. */
const READ_CHUNK = 64 * 1024;

/** An entry's kind as one character before its name in a run; a record ends with NUL, which no name holds. */
const KIND = { file: "f", folder: "d", link: "l", other: "o" } as const;

/**
 * The entries of a folder too large to hold in memory, in path order: they are read from
 * the folder `runEntries` at a time, each run sorted and written to one temporary file,
 * and the runs merged as the walk asks for entries. Memory holds one run while the folder
 * is read, then 64 KiB of each run. Throws when the folder cannot be read (nothing is
 * kept then); null when no temporary file can be made or filled (a full `$TMPDIR`): the
 * folder is then listed in memory, as a smaller one.
 */
export class MergedListing {
  private readonly heap: RunReader[] = [];

  private constructor(private readonly file: TemporaryFile) {}

  static open(path: string, runEntries = RUN_ENTRIES): MergedListing | null {
    let file: TemporaryFile;
    try {
      file = openTemporaryFile("listing");
    } catch {
      return null;
    }
    const listing = new MergedListing(file);
    try {
      listing.writeRuns(path, runEntries);
    } catch (error) {
      listing.close();
      if (error instanceof TemporaryFileFull) return null;
      throw error;
    }
    return listing;
  }

  /** The next entry in path order, or undefined after the last. */
  next(): FolderEntry | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const entry = top.head!;
    if (!top.advance()) {
      const last = this.heap.pop()!;
      if (this.heap.length === 0) return entry;
      this.heap[0] = last;
    }
    this.siftDown(0);
    return entry;
  }

  close(): void {
    this.heap.length = 0;
    closeTemporaryFile(this.file);
  }

  private writeRuns(path: string, runEntries: number): void {
    const dir: Dir = opendirSync(path, { bufferSize: 32 });
    const runs: Array<{ start: number; end: number }> = [];
    let written = 0;
    const writeRun = (entries: FolderEntry[]): void => {
      entries.sort(byPath);
      const text = entries.map((entry) => `${kindOf(entry)}${entry.name}\0`).join("");
      const start = written;
      try {
        written += writeAllSync(this.file.fd, text, written);
      } catch (error) {
        throw new TemporaryFileFull((error as Error).message);
      }
      runs.push({ start, end: written });
    };
    try {
      let run: FolderEntry[] = [];
      for (let entry = dir.readSync(); entry !== null; entry = dir.readSync()) {
        run.push(entry);
        if (run.length === runEntries) {
          writeRun(run);
          run = [];
        }
      }
      if (run.length > 0) writeRun(run);
    } finally {
      dir.closeSync();
    }
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    for (const { start, end } of runs) {
      const reader = new RunReader(recordsIn(this.file.fd, start, end, "\0", chunk));
      if (reader.advance()) this.heap.push(reader);
    }
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= heap.length) return;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.key < heap[left]!.key ? right : left;
      if (!(heap[child]!.key < heap[at]!.key)) return;
      [heap[at], heap[child]] = [heap[child]!, heap[at]!];
      at = child;
    }
  }
}

/** Writing a run failed: the folder itself may be fine. */
class TemporaryFileFull extends Error {}

function kindOf(entry: FolderEntry): string {
  if (entry.isFile()) return KIND.file;
  if (entry.isDirectory()) return KIND.folder;
  return entry.isSymbolicLink() ? KIND.link : KIND.other;
}

/** An entry read back from a run. */
class RunEntry implements FolderEntry {
  constructor(
    readonly name: string,
    private readonly kind: string,
  ) {}

  isFile(): boolean {
    return this.kind === KIND.file;
  }

  isDirectory(): boolean {
    return this.kind === KIND.folder;
  }

  isSymbolicLink(): boolean {
    return this.kind === KIND.link;
  }
}

/** One sorted run of the file: its current entry and that entry's key. */
class RunReader {
  head: RunEntry | undefined;
  key = "";

  constructor(private readonly records: Iterator<string>) {}

  /** Moves to the next entry of the run; false after its last. */
  advance(): boolean {
    const next = this.records.next();
    if (next.done) {
      this.head = undefined;
      return false;
    }
    const record = next.value;
    this.head = new RunEntry(record.slice(1), record[0]!);
    this.key = pathKey(this.head);
    return true;
  }
}
