import type { Database as Db, Statement } from "better-sqlite3";
import { openTemporaryDatabase } from "../temporary-file.js";
import { BloomFilter } from "./bloom-filter.js";

export interface ClaimedIdsOptions {
  /** The Bloom filter in front holds 2^log2FilterBits bits (default 2^25: 4 MiB). */
  log2FilterBits?: number;
  /** Ids kept in memory before they are written to the store together (default 4,096). */
  flushEvery?: number;
  /** Ids the store stages before it merges them into its main table in order (default 65,536). */
  mergeEvery?: number;
}

/** Ids written by one statement (one call into SQLite costs more than the row it writes). */
const ROWS_PER_INSERT = 64;

/**
 * An exact set of ids whose memory does not grow with its size. The ids live in a
 * temporary SQLite database on disk (SQLite deletes its file as soon as it is open, so
 * nothing is left behind, even by a killed process); the latest few thousand are in
 * memory until they are written together. A fixed-size Bloom filter in front answers
 * the usual question, an id never seen, without reading the store.
 *
 * Should no temporary file be possible, the ids stay in memory: still exact, only not
 * bounded.
 */
export class ClaimedIds {
  private readonly filter: BloomFilter;
  private readonly flushEvery: number;
  private readonly mergeEvery: number;
  private recent = new Set<string>();
  /** Made at the first flush, so that a run of a few thousand inputs never opens one; null: in memory only. */
  private store: IdStore | undefined | null;

  constructor(options: ClaimedIdsOptions = {}) {
    this.filter = new BloomFilter(options.log2FilterBits ?? 25);
    this.flushEvery = options.flushEvery ?? 4096;
    this.mergeEvery = options.mergeEvery ?? 65_536;
  }

  has(id: string): boolean {
    if (!this.filter.mightHave(id)) return false;
    return this.recent.has(id) || (this.store?.has(id) ?? false);
  }

  add(id: string): void {
    this.filter.add(id);
    this.recent.add(id);
    if (this.recent.size >= this.flushEvery) this.flush();
  }

  /** Lets the store go (its file with it). The set is empty afterwards. */
  close(): void {
    this.store?.close();
    this.store = undefined;
    this.recent = new Set();
  }

  private flush(): void {
    if (this.store === undefined) this.store = IdStore.open(this.mergeEvery);
    if (this.store === null || !this.store.writable) return;
    if (this.store.addAll([...this.recent])) this.recent = new Set();
  }
}

/**
 * The ids written so far, in a temporary SQLite database. New ids go to a small staging
 * table first, then into the main one in order, many at a time: ids in no particular
 * order (content hashes, a manifest's own) would each land on another page of a big
 * table, while tens of thousands in order touch each page once (1.9 µs an id against
 * 4.5 for a million random ids; 0.8 µs either way for the ids of a walk).
 */
class IdStore {
  private readonly inMain: Statement<[string], number>;
  private readonly inStaged: Statement<[string], number>;
  private readonly stageOne: Statement<[string]>;
  private readonly stageMany: Statement<string[]>;
  private readonly merge: Statement<[]>;
  private readonly clearStaged: Statement<[]>;
  /** Stages the ids, and merges what is staged once there is enough; true when it merged. */
  private readonly write: (ids: readonly string[]) => boolean;
  private staged = 0;
  /** False once a write failed (the disk is full, say): what was written stays readable. */
  writable = true;

  private constructor(
    private readonly db: Db,
    private readonly mergeEvery: number,
  ) {
    db.exec("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID; CREATE TABLE staged (id TEXT PRIMARY KEY) WITHOUT ROWID;");
    this.inMain = db.prepare<[string], number>("SELECT 1 FROM ids WHERE id = ?").pluck();
    this.inStaged = db.prepare<[string], number>("SELECT 1 FROM staged WHERE id = ?").pluck();
    this.stageOne = db.prepare<[string]>("INSERT OR IGNORE INTO staged (id) VALUES (?)");
    this.stageMany = db.prepare<string[]>(`INSERT OR IGNORE INTO staged (id) VALUES ${Array(ROWS_PER_INSERT).fill("(?)").join(",")}`);
    this.merge = db.prepare<[]>("INSERT OR IGNORE INTO ids (id) SELECT id FROM staged ORDER BY id");
    this.clearStaged = db.prepare<[]>("DELETE FROM staged");
    this.write = db.transaction((ids: readonly string[]): boolean => {
      let at = 0;
      for (; at + ROWS_PER_INSERT <= ids.length; at += ROWS_PER_INSERT) this.stageMany.run(...ids.slice(at, at + ROWS_PER_INSERT));
      for (; at < ids.length; at++) this.stageOne.run(ids[at] as string);
      if (this.staged + ids.length < this.mergeEvery) return false;
      this.merge.run();
      this.clearStaged.run();
      return true;
    });
  }

  /** A new, empty store; null when SQLite cannot make its temporary file. */
  static open(mergeEvery: number): IdStore | null {
    let db: Db | undefined;
    try {
      db = openTemporaryDatabase();
      return new IdStore(db, mergeEvery);
    } catch {
      db?.close();
      return null;
    }
  }

  has(id: string): boolean {
    return this.inStaged.get(id) !== undefined || this.inMain.get(id) !== undefined;
  }

  /** Writes the ids in one transaction; false (and nothing written) when the disk refused. */
  addAll(ids: readonly string[]): boolean {
    try {
      this.staged = this.write(ids) ? 0 : this.staged + ids.length;
      return true;
    } catch {
      this.writable = false;
      return false;
    }
  }

  close(): void {
    this.db.close();
  }
}
