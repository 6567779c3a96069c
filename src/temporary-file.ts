import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import Database from "better-sqlite3";
import type { Database as Db } from "better-sqlite3";

/** Pages a temporary database keeps in memory: 4 MiB. */
const TEMPORARY_DATABASE_CACHE_KIB = 4096;

/**
 * A throwaway SQLite database only this process uses, in a temporary file that SQLite
 * deletes as soon as it is open (in `$SQLITE_TMPDIR` or `$TMPDIR`, else `/var/tmp`): its
 * journal in memory, no syncs, 4 MiB of pages cached. Throws when no file can be made.
 */
export function openTemporaryDatabase(): Db {
  // An empty name: a private database in a temporary file, deleted when closed.
  const db = new Database("");
  try {
    db.pragma("journal_mode = MEMORY");
    db.pragma("synchronous = OFF");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma(`cache_size = -${TEMPORARY_DATABASE_CACHE_KIB}`);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A file only this process can reach: open for reading and writing, its name already gone where the system allows. */
export interface TemporaryFile {
  readonly fd: number;
  /** Its folder, removed at once where the system allows it, otherwise by `closeTemporaryFile`. */
  readonly folder: string;
}

/**
 * Makes a temporary file in `$TMPDIR` and removes its folder while it is open, so that a
 * process killed midway leaves nothing behind.
 */
export function openTemporaryFile(name: string): TemporaryFile {
  const folder = mkdtempSync(join(tmpdir(), "clarifai-upload-"));
  const fd = openSync(join(folder, name), "w+", 0o600);
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // Removed at close instead.
  }
  return { fd, folder };
}

export function closeTemporaryFile(file: TemporaryFile): void {
  closeSync(file.fd);
  rmSync(file.folder, { recursive: true, force: true });
}

/** Writes all of `text` at `position`, however many writes it takes; returns the bytes written. */
export function writeAllSync(fd: number, text: string, position: number): number {
  const bytes = Buffer.from(text, "utf8");
  for (let done = 0; done < bytes.length; ) {
    const wrote = writeSync(fd, bytes, done, bytes.length - done, position + done);
    if (wrote === 0) throw new Error("a temporary file took no more bytes");
    done += wrote;
  }
  return bytes.length;
}

/**
 * The records of a temporary file from `start` to `end`, each ended by `separator`, read
 * into `chunk` a chunk at a time. Readers may share one chunk: what is read is decoded at
 * once, and a character split between two reads is decoded whole.
 */
export function* recordsIn(fd: number, start: number, end: number, separator: string, chunk: Buffer): Generator<string> {
  const decoder = new StringDecoder("utf8");
  let partial = "";
  for (let position = start; position < end; ) {
    const read = readSync(fd, chunk, 0, Math.min(chunk.length, end - position), position);
    if (read === 0) throw new Error("a temporary file ended early: it was cut short");
    position += read;
    const records = (partial + decoder.write(chunk.subarray(0, read))).split(separator);
    partial = records.pop()!;
    yield* records;
  }
}
