import type { Database as Db, Statement } from "better-sqlite3";
import { openTemporaryDatabase } from "../temporary-file.js";
import type { AckRecord, MissingRecord, ProcessingFailedRecord } from "../upload/joblog.js";

/** An input `status --retry` sends again: missing on the server, or failed processing there. */
export type ResendRecord = AckRecord | ProcessingFailedRecord | MissingRecord;

/** Records held in memory before they all move to a temporary database. */
const HELD_RECORDS = 10_000;

/** Records read back from the database at a time. */
const PAGE = 1000;

/**
 * The inputs `status --retry` sends again, by source, in bounded memory: up to
 * `maxHeld` records in a map, and past that all of them in a temporary SQLite database
 * (deleted by SQLite as soon as it is closed, or when the process ends), so a job whose
 * million inputs all went missing costs no more memory than one of ten thousand. Each
 * record is taken once, as the job's source finds its input again; what is left is read
 * back in the order of the sources.
 */
export class ResendSet {
  private held = new Map<string, ResendRecord>();
  /** Made once the map is full; null: none could be made, and the records stay in memory. */
  private store: Store | undefined | null;
  private count = 0;

  constructor(private readonly maxHeld = HELD_RECORDS) {}

  get size(): number {
    return this.count;
  }

  add(records: readonly ResendRecord[]): void {
    if (this.store === undefined && this.held.size + records.length > this.maxHeld) this.store = moveToStore(this.held);
    const store = this.store;
    if (!store) {
      for (const record of records) {
        if (!this.held.has(record.source)) this.count++;
        this.held.set(record.source, record);
      }
      return;
    }
    store.db.transaction(() => {
      for (const record of records) {
        if (store.get.get(record.source) === undefined) this.count++;
        store.put.run(record.source, JSON.stringify(record));
      }
    })();
  }

  has(source: string): boolean {
    return this.store ? this.store.get.get(source) !== undefined : this.held.has(source);
  }

  /** The record of `source`, removed from the set; undefined when it has none. */
  take(source: string): ResendRecord | undefined {
    let record: ResendRecord | undefined;
    if (this.store) {
      const row = this.store.get.get(source);
      if (row === undefined) return undefined;
      this.store.remove.run(source);
      record = JSON.parse(row.record) as ResendRecord;
    } else {
      record = this.held.get(source);
      if (record === undefined) return undefined;
      this.held.delete(source);
    }
    this.count--;
    return record;
  }

  /** The records not taken: in the order added while in memory, in the order of their sources once on disk. */
  *remaining(): Generator<ResendRecord> {
    if (!this.store) {
      yield* this.held.values();
      return;
    }
    let after = "";
    for (;;) {
      const rows = this.store.after.all(after, PAGE);
      if (rows.length === 0) return;
      for (const row of rows) yield JSON.parse(row.record) as ResendRecord;
      after = rows[rows.length - 1]!.source;
    }
  }

  close(): void {
    this.store?.db.close();
    this.store = undefined;
    this.held = new Map();
    this.count = 0;
  }
}

interface Store {
  db: Db;
  put: Statement<[string, string]>;
  get: Statement<[string], { record: string }>;
  remove: Statement<[string]>;
  after: Statement<[string, number], { source: string; record: string }>;
}

/** A temporary database holding the records of `held` (which is emptied); null when none can be made. */
function moveToStore(held: Map<string, ResendRecord>): Store | null {
  let db: Db | undefined;
  try {
    db = openTemporaryDatabase();
    db.exec("CREATE TABLE resend (source TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID");
    const store: Store = {
      db,
      put: db.prepare("INSERT INTO resend (source, record) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET record = excluded.record"),
      get: db.prepare("SELECT record FROM resend WHERE source = ?"),
      remove: db.prepare("DELETE FROM resend WHERE source = ?"),
      after: db.prepare("SELECT source, record FROM resend WHERE source > ? ORDER BY source LIMIT ?"),
    };
    db.transaction(() => {
      for (const record of held.values()) store.put.run(record.source, JSON.stringify(record));
    })();
    held.clear();
    return store;
  } catch {
    db?.close();
    return null;
  }
}
