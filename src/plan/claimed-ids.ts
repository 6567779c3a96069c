import Database from "better-sqlite3";
import type { Database as Db, Statement } from "better-sqlite3";
import { BloomFilter } from "./bloom-filter.js";

export interface ClaimedIdsOptions {
  /** The Bloom filter in front holds 2^log2FilterBits bits (default 2^25: 4 MiB). */
  log2FilterBits?: number;
  /** Ids kept in memory before they are written to the store in one transaction. */
  flushEvery?: number;
}

/** Pages of the store SQLite keeps in memory: 4 MiB. */
const STORE_CACHE_KIB = 4096;

/**
 * An exact set of ids whose memory does not grow with its size. The ids live in a
 * temporary SQLite database on disk (SQLite deletes its file as soon as it is open, so
 * nothing is left behind, even by a killed process); the latest few thousand are in
 * memory until they are written together, in order. A fixed-size Bloom filter in front
 * answers the usual question, an id never seen, without reading the store.
 *
 * Should no temporary file be possible, the ids stay in memory: still exact, only not
 * bounded.
 */
export class ClaimedIds {
  private readonly filter: BloomFilter;
  private readonly flushEvery: number;
  private recent = new Set<string>();
  /** Made at the first flush, so that a run of a few thousand inputs never opens one; null: in memory only. */
  private store: IdStore | undefined | null;

  constructor(options: ClaimedIdsOptions = {}) {
    this.filter = new BloomFilter(options.log2FilterBits ?? 25);
    this.flushEvery = options.flushEvery ?? 4096;
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
    if (this.store === undefined) this.store = IdStore.open();
    if (this.store === null || !this.store.writable) return;
    // In order: ids that share a folder's prefix land on the same pages of the store.
    if (this.store.addAll([...this.recent].sort())) this.recent = new Set();
  }
}

/** The ids written so far, in a temporary SQLite database. */
class IdStore {
  private readonly lookup: Statement<[string], number>;
  private readonly insert: Statement<[string]>;
  private readonly insertAll: (ids: readonly string[]) => void;
  /** False once a write failed (the disk is full, say): what was written stays readable. */
  writable = true;

  private constructor(private readonly db: Db) {
    // A throwaway table: its journal in memory (a transaction's few pages), no syncs, one connection.
    db.pragma("journal_mode = MEMORY");
    db.pragma("synchronous = OFF");
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma(`cache_size = -${STORE_CACHE_KIB}`);
    db.exec("CREATE TABLE ids (id TEXT PRIMARY KEY) WITHOUT ROWID");
    this.lookup = db.prepare<[string], number>("SELECT 1 FROM ids WHERE id = ?").pluck();
    this.insert = db.prepare<[string]>("INSERT OR IGNORE INTO ids (id) VALUES (?)");
    this.insertAll = db.transaction((ids: readonly string[]) => {
      for (const id of ids) this.insert.run(id);
    });
  }

  /** A new, empty store; null when SQLite cannot make its temporary file. */
  static open(): IdStore | null {
    let db: Db | undefined;
    try {
      // An empty name: a private database in a temporary file, deleted when closed.
      db = new Database("");
      return new IdStore(db);
    } catch {
      db?.close();
      return null;
    }
  }

  has(id: string): boolean {
    return this.lookup.get(id) !== undefined;
  }

  /** Writes the ids in one transaction; false (and nothing written) when the disk refused. */
  addAll(ids: readonly string[]): boolean {
    try {
      this.insertAll(ids);
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
