import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, rmSync } from "node:fs";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { Database as Db, Statement } from "better-sqlite3";
import { parseRecord } from "./job-record-shape.js";
import type { AckRecord, InputRecord, JobRecord, ProcessedRecord } from "./joblog.js";

/** The files of a job's index, as suffixes of its log's path. */
export const INDEX_FILES = [".index", ".index-wal", ".index-shm"] as const;

/** Sources looked up in one query at most (SQLite allows 32,766 parameters). */
const MAX_LOOKUP = 256;

/** Plain acknowledgements written by one statement: one call into SQLite costs more than the row it writes. */
const ACKS_PER_PUT = 16;

/** A UTF-16 surrogate: half of a character beyond the BMP. */
const SURROGATE = /[\ud800-\udfff]/;

/** Bytes of the log read at a time while catching up. */
const READ_CHUNK = 4 * 1024 * 1024;

/**
 * The job's per-input state, as an index on disk beside its log (`JOB.jsonl.index`, SQLite
 * in WAL mode): the latest record of each source, queried by source instead of replayed
 * into memory, so a job of ten million inputs costs no more memory than one of ten.
 *
 * The JSONL log stays the truth; the index is a fold of it up to a byte offset it keeps.
 * Whoever opens the job first folds what the log holds past that offset (a run killed
 * between writing its log and its index, an older version of the tool); the writer of a
 * run folds each batch it writes as it writes it. A torn last line is left unfolded until
 * the line after it is complete. A missing or unreadable index is built again from the log.
 */
export class InputIndex {
  private readonly getStatement: Statement<[string], Row>;
  private readonly putStatement: Statement<[string, string, string | null, string | null, string | null, string | null]>;
  private readonly putAcksStatement: Statement<unknown[]>;
  /** Values of plain acknowledgements not written yet, `ACKS_PER_PUT` rows at most (see `put`). */
  private pendingAcks: unknown[] = [];
  private readonly metaGet: Statement<[string], { value: number | string }>;
  private readonly metaPut: Statement<[string, number | string]>;
  private readonly otherPut: Statement<[string]>;
  private readonly rangeScan: Statement<[string, string, number], Glance>;
  private readonly pageStatement: Statement<[string, number], Row>;
  private readonly problemsStatement: Statement<[string, number], Row>;
  private readonly forgetStatement: Statement<[string]>;

  private constructor(
    private readonly db: Db,
    private readonly logPath: string | undefined,
  ) {
    // An index laid out by another version is folded again from the log.
    if (db.pragma("user_version", { simple: true }) !== SCHEMA_VERSION) {
      db.exec("DROP TABLE IF EXISTS inputs; DROP TABLE IF EXISTS others; DROP TABLE IF EXISTS meta;");
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }
    db.exec(`
      CREATE TABLE IF NOT EXISTS inputs (source TEXT PRIMARY KEY, fingerprint TEXT, present_id TEXT, status TEXT, digest TEXT, record TEXT) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS others (seq INTEGER PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
    `);
    try {
      // The rows kept as JSON (problems, and acks with something to say): few, found without
      // reading the rest. An index of an earlier version that cannot be written now (read
      // only, or busy) goes without: its queries only take longer.
      db.exec("CREATE INDEX IF NOT EXISTS with_record ON inputs (source) WHERE record IS NOT NULL");
    } catch {
      // Made by the next writer.
    }
    this.getStatement = db.prepare<[string], Row>(`SELECT ${ROW} FROM inputs WHERE source = ?`).raw();
    const upsert = (rows: number): string =>
      `INSERT INTO inputs (source, fingerprint, present_id, status, digest, record) VALUES ${Array(rows).fill("(?, ?, ?, ?, ?, ?)").join(", ")} ON CONFLICT (source) DO UPDATE SET fingerprint = excluded.fingerprint, present_id = excluded.present_id, status = excluded.status, digest = excluded.digest, record = excluded.record`;
    this.putStatement = db.prepare(upsert(1));
    this.putAcksStatement = db.prepare(upsert(ACKS_PER_PUT));
    this.metaGet = db.prepare("SELECT value FROM meta WHERE key = ?");
    this.metaPut = db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    this.otherPut = db.prepare("INSERT INTO others (record) VALUES (?)");
    this.rangeScan = db.prepare<[string, string, number], Glance>("SELECT source, fingerprint, present_id FROM inputs WHERE source >= ? AND source <= ? LIMIT ?").raw();
    // Pages start after a source; the first after "", which comes before any source.
    this.pageStatement = db.prepare<[string, number], Row>(`SELECT ${ROW} FROM inputs WHERE source > ? ORDER BY source LIMIT ?`).raw();
    this.problemsStatement = db
      .prepare<[string, number], Row>(
        `SELECT ${ROW} FROM inputs WHERE source > ? AND record IS NOT NULL AND (json_extract(record, '$.type') <> 'ack' OR json_extract(record, '$.annotationsPending')) ORDER BY source LIMIT ?`,
      )
      .raw();
    this.forgetStatement = db.prepare(`DELETE FROM inputs WHERE source = ? AND ${NEVER_GOT_IN}`);
  }

  /**
   * Sources whose latest record says they never got in (rejected, failed to send, in
   * conflict), up to `limit`; undefined when there are more.
   */
  neverGotIn(limit: number): string[] | undefined {
    const sources = this.db.prepare<[number], string>(`SELECT source FROM inputs WHERE ${NEVER_GOT_IN} LIMIT ?`).pluck().all(limit + 1);
    return sources.length > limit ? undefined : sources;
  }

  /**
   * The index of the log at `logPath`, on disk beside it. With `create` false (a dry run,
   * `log show`), nothing is created for a job that has no log yet: the index is in memory.
   * In memory too when the disk refuses.
   */
  static open(logPath: string, create: boolean): InputIndex {
    if (!create && !existsSync(logPath)) return InputIndex.inMemory(logPath);
    try {
      mkdirSync(dirname(logPath), { recursive: true });
      return InputIndex.onDisk(logPath);
    } catch {
      // A corrupt index is rebuilt from the log; an unwritable folder gets one in memory.
      try {
        for (const suffix of INDEX_FILES) if (existsSync(`${logPath}${suffix}`)) unlinkQuietly(`${logPath}${suffix}`);
        return InputIndex.onDisk(logPath);
      } catch {
        return InputIndex.inMemory(logPath);
      }
    }
  }

  /** An index in memory; `logPath` is the log it folds, if any. */
  static inMemory(logPath?: string): InputIndex {
    return new InputIndex(new Database(":memory:"), logPath);
  }

  private static onDisk(logPath: string): InputIndex {
    const db = new Database(`${logPath}.index`, { timeout: 10_000 });
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      // Room for the pages a walk's lookups touch: the index of a million inputs is about 200 MB.
      db.pragma("cache_size = -16384");
      const index = new InputIndex(db, logPath);
      db.prepare("SELECT count(*) FROM meta").get();
      return index;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  get(source: string): InputRecord | undefined {
    const row = this.getStatement.get(source);
    return row === undefined ? undefined : recordOf(row);
  }

  /**
   * What the latest records of many sources say at a glance, in the order asked (undefined
   * where a source has none): the fingerprint, and the id when the source was acknowledged
   * as uploaded or present and nothing of it is pending. The whole record is `get`'s.
   */
  glanceMany(sources: readonly string[]): Array<Glance | undefined> {
    const glances: Array<Glance | undefined> = [];
    for (let start = 0; start < sources.length; start += MAX_LOOKUP) {
      const some = sources.slice(start, start + MAX_LOOKUP);
      if (this.scanInto(glances, some)) continue;
      const found = new Map<string, Glance>();
      for (const row of this.lookupOf(some.length).all(...some)) found.set(row[0], row);
      for (const source of some) glances.push(found.get(source));
    }
    return glances;
  }

  /**
   * Sources that come in the index's order (a folder walk's) are found with one scan of
   * the range they span: 0.8 µs a source on the index of a million, against 1.3-1.6 for
   * the same sources looked up one by one. False, with nothing added, when the sources
   * are out of order, when one has a character beyond the BMP (SQLite orders by UTF-8
   * bytes, which differs from `<` there), or when the range holds many records besides
   * theirs (the scan stops at twice as many as asked for).
   */
  private scanInto(glances: Array<Glance | undefined>, sources: readonly string[]): boolean {
    for (let i = 0; i < sources.length; i++) {
      if (SURROGATE.test(sources[i]!) || (i > 0 && sources[i]! < sources[i - 1]!)) return false;
    }
    const limit = 2 * sources.length + 16;
    const rows = this.rangeScan.all(sources[0]!, sources[sources.length - 1]!, limit);
    if (rows.length === limit) return false;
    // Both in order: each source is matched with its row, if any, in one pass over both.
    let row = 0;
    for (const source of sources) {
      while (row < rows.length && rows[row]![0] < source) row++;
      glances.push(row < rows.length && rows[row]![0] === source ? rows[row] : undefined);
    }
    return true;
  }

  private readonly lookups = new Map<number, Statement<string[], Glance>>();

  private lookupOf(count: number): Statement<string[], Glance> {
    let statement = this.lookups.get(count);
    if (!statement) {
      statement = this.db.prepare<string[], Glance>(`SELECT source, fingerprint, present_id FROM inputs WHERE source IN (${Array(count).fill("?").join(",")})`).raw();
      this.lookups.set(count, statement);
    }
    return statement;
  }

  /** Up to `limit` records in the order of their sources, those after `after` (from the first without it): a page at a time, never all at once. */
  page(after: string | undefined, limit: number): InputRecord[] {
    return this.pageStatement.all(after ?? "", limit).map(recordOf);
  }

  /**
   * Up to `limit` sources whose latest record is not an acknowledgement (failures,
   * rejections, conflicts), or is one with regions still to post, in the order of their
   * sources, those after `after`: a page at a time, as `page`.
   */
  problems(after: string | undefined, limit: number): InputRecord[] {
    return this.problemsStatement.all(after ?? "", limit).map(recordOf);
  }

  /**
   * How many sources stand in each state, in one pass over the index: by record type, for
   * acks by status, and whether some of their regions are not stored yet.
   */
  countByState(): Array<{ type: string; status: string | null; regionsPending: number; count: number }> {
    return this.db
      .prepare<[], { type: string; status: string | null; regionsPending: number; count: number }>(
        "SELECT coalesce(json_extract(record, '$.type'), 'ack') AS type, coalesce(status, json_extract(record, '$.status')) AS status, coalesce(json_extract(record, '$.annotationsPending'), 0) AS regionsPending, count(*) AS count FROM inputs GROUP BY 1, 2, 3",
      )
      .all();
  }

  get size(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM inputs").get() as { n: number }).n;
  }

  /** Sets a source's latest record directly (an index in memory, for tests and dry runs of new jobs). */
  set(record: InputRecord | ProcessedRecord): void {
    this.apply(record);
    this.flushAcks();
  }

  /** A last line without its newline, seen by the last catch-up: counted, not folded, until the line is complete. */
  private tornTail = false;

  /** Lines skipped as unreadable over every catch-up of this index, and a torn last line. */
  get corruptLines(): number {
    return this.foldedCorruptLines() + (this.tornTail ? 1 : 0);
  }

  private foldedCorruptLines(): number {
    return Number(this.metaGet.get("corrupt_lines")?.value ?? 0);
  }

  /** Every record that is not an input's, in log order: the header, runs, ends, uploads, parts. */
  others(): JobRecord[] {
    return this.db.prepare<[], { record: string }>("SELECT record FROM others ORDER BY seq").all().map((row) => JSON.parse(row.record) as JobRecord);
  }

  get batches(): number {
    return Number(this.metaGet.get("batches")?.value ?? 0);
  }

  /** Folds what the log holds past the index's offset. */
  catchUp(): void {
    if (!this.logPath) return;
    if (!existsSync(this.logPath)) {
      // The log is gone: what the index says of it is no longer true of anything.
      try {
        if (this.offset() > 0) this.db.transaction(() => this.clear()).immediate();
      } catch (error) {
        if (!isBusy(error)) throw error;
      }
      return;
    }
    try {
      // Immediate: the write lock is taken at the start, so a run writing the same
      // index waits for this (up to the busy timeout) instead of failing halfway.
      this.db.transaction(() => this.foldLog()).immediate();
    } catch (error) {
      // Busy past the timeout (a run writing it heavily): what the index holds is read as
      // it is; the records past its offset are folded by whoever opens the job next.
      if (!isBusy(error)) throw error;
    }
  }

  /**
   * A run's writer wrote `records` to the log between byte offsets `before` and `after`:
   * they are folded as they are when the index had folded everything up to `before`;
   * otherwise the log is caught up from the index's offset.
   */
  written(records: readonly JobRecord[], before: number, after: number): void {
    const write = this.db.transaction(() => {
      // Values a failed fold left behind are in the log, and folded with it again.
      this.pendingAcks = [];
      if (this.offset() !== before) return this.foldLog();
      for (const record of records) this.fold(record);
      this.flushAcks();
      this.metaPut.run("offset", after);
      if (this.metaGet.get("head") === undefined && this.logPath) this.rememberHead(after);
    });
    try {
      write.immediate();
    } catch (error) {
      // The log holds these records already; the index catches up on the next open.
      if (!isBusy(error)) throw error;
    }
  }

  close(): void {
    this.db.close();
  }

  /** Remembers how the log starts, to tell it from another log under its name later. */
  private rememberHead(folded: number, open?: number): void {
    if (!this.logPath) return;
    const length = Math.min(folded, HEAD_BYTES);
    const fd = open ?? openSync(this.logPath, "r");
    try {
      this.metaPut.run("head", headOf(fd, length));
      this.metaPut.run("head_length", length);
    } finally {
      if (open === undefined) closeSync(fd);
    }
  }

  private clear(): void {
    this.db.exec("DELETE FROM inputs; DELETE FROM others; DELETE FROM meta;");
  }

  private offset(): number {
    return Number(this.metaGet.get("offset")?.value ?? 0);
  }

  /** Folds the log from the index's offset to its end (within the caller's transaction). */
  private foldLog(): void {
    if (!this.logPath) return;
    const fd = openSync(this.logPath, "r");
    try {
      this.foldFrom(fd);
    } finally {
      closeSync(fd);
    }
  }

  private foldFrom(fd: number): void {
    this.pendingAcks = [];
    const size = fstatSync(fd).size;
    let offset = this.offset();
    // Another log under the same name (shorter than what was folded, or starting with
    // other bytes): fold it from the start.
    if (offset > size || (offset > 0 && this.metaGet.get("head")?.value !== headOf(fd, Number(this.metaGet.get("head_length")?.value ?? 0)))) {
      this.clear();
      offset = 0;
    }
    let corrupt = this.foldedCorruptLines();
    let carry = Buffer.alloc(0);
    let position = offset;
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    while (position < size) {
      const read = readSync(fd, chunk, 0, Math.min(READ_CHUNK, size - position), position);
      if (read <= 0) break;
      position += read;
      const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, read)]) : chunk.subarray(0, read);
      let start = 0;
      for (let end = data.indexOf(0x0a, start); end >= 0; end = data.indexOf(0x0a, start)) {
        const line = data.toString("utf8", start, end);
        start = end + 1;
        if (line.trim() === "") continue;
        const record = parseRecord(line);
        if (record === undefined) corrupt++;
        else this.fold(record);
      }
      offset += start;
      carry = Buffer.from(data.subarray(start));
    }
    this.flushAcks();
    this.tornTail = carry.toString("utf8").trim() !== "";
    if (this.metaGet.get("head") === undefined && offset > 0) this.rememberHead(offset, fd);
    this.metaPut.run("offset", offset);
    this.metaPut.run("corrupt_lines", corrupt);
  }

  private fold(record: JobRecord): void {
    switch (record.type) {
      case "ack":
      case "failed":
      case "rejected":
      case "conflict":
      case "processing_failed":
      case "missing":
      case "processed":
        this.apply(record);
        return;
      case "batch":
        this.metaPut.run("batches", this.batches + 1);
        return;
      case "gone":
        this.flushAcks();
        this.forgetStatement.run(record.source);
        return;
      default:
        this.otherPut.run(JSON.stringify(record));
    }
  }

  private apply(record: InputRecord | ProcessedRecord): void {
    // What follows may read the row this record replaces.
    if (record.type === "rejected" || record.type === "processed") this.flushAcks();
    if (record.type === "rejected") {
      // This run could not read the source (gone, refused now): what the server holds
      // under its acknowledged id stays, and is what `status` looks up.
      const earlier = this.get(record.source);
      if (earlier?.type === "ack" || earlier?.type === "processing_failed") return;
    }
    if (record.type === "processed") {
      // Only the input this source was last acknowledged under, and not a kept one: the
      // server processed its own content under that id, not this source's.
      const ack = this.get(record.source);
      if (ack?.type === "ack" && ack.id === record.id && ack.status !== "kept") this.put({ ...ack, status: "processed" });
      return;
    }
    if (record.type === "ack" && record.status === "present") {
      // Sent again (to post its regions, say) and found there: what the job knew of it stands,
      // uploaded by the job, or processed since.
      this.flushAcks();
      const earlier = this.get(record.source);
      if (earlier?.type === "ack" && earlier.id === record.id && earlier.digest === record.digest && (earlier.status === "uploaded" || earlier.status === "processed")) {
        this.put({ ...record, status: earlier.status });
        return;
      }
    }
    this.put(record);
  }

  /**
   * Writes a source's latest record. Plain acknowledgements, most of a job, wait to be
   * written `ACKS_PER_PUT` to a statement; whoever folds records calls `flushAcks` before
   * the index is read. A later row for the same source in one statement updates the
   * earlier, so the order of records holds.
   */
  private put(record: InputRecord): void {
    if (isPlainAck(record)) {
      this.pendingAcks.push(record.source, record.fingerprint, record.id, record.status, record.digest ?? null, null);
      if (this.pendingAcks.length === ACKS_PER_PUT * 6) this.flushAcks();
      return;
    }
    this.flushAcks();
    this.putStatement.run(record.source, record.fingerprint, null, null, null, compact(record));
  }

  private flushAcks(): void {
    const values = this.pendingAcks;
    if (values.length === 0) return;
    this.pendingAcks = [];
    if (values.length === ACKS_PER_PUT * 6) {
      this.putAcksStatement.run(...values);
      return;
    }
    const putOne = this.putStatement as Statement<unknown[]>;
    for (let at = 0; at < values.length; at += 6) putOne.run(...values.slice(at, at + 6));
  }
}

/**
 * A source's latest record at a glance, as its row holds it: its fingerprint, and its id
 * if it was acknowledged as uploaded, present or processed under its own id with nothing
 * pending (a re-run finds it present when the fingerprint still matches).
 */
export type Glance = readonly [source: string, fingerprint: string, presentId: string | null];

/**
 * A row whose record never got in: rejected, in conflict, or failed to send without having
 * failed processing before (what failed processing may still be on the server under its id).
 */
const NEVER_GOT_IN = "record IS NOT NULL AND json_extract(record, '$.type') IN ('rejected', 'conflict', 'failed') AND json_extract(record, '$.processingFailures') IS NULL";

/** The layout of the index's tables (SQLite's user_version). */
const SCHEMA_VERSION = 3;

/** The columns a record is read back from: an acknowledgement with nothing else to say is kept in columns, any other record as JSON. */
const ROW = "source, fingerprint, present_id, status, digest, record";
type Row = [source: string, fingerprint: string, presentId: string | null, status: AckRecord["status"] | null, digest: string | null, record: string | null];

/** An input acknowledged as uploaded, present or processed, with no failures, nothing pending and under its own id: most of a job. */
function isPlainAck(record: InputRecord): record is AckRecord {
  return record.type === "ack" && record.status !== "kept" && !record.processingFailures && !record.annotationsPending && !record.underAnotherId;
}

/** A record as the index keeps it in JSON: without its source (the key), and for an ack without its batch and run. */
function compact(record: InputRecord): string {
  if (record.type !== "ack") {
    const { source: _source, ...kept } = record;
    return JSON.stringify(kept);
  }
  const { source: _source, batch: _batch, run: _run, ...kept } = record;
  return JSON.stringify(kept);
}

function recordOf([source, fingerprint, presentId, status, digest, record]: Row): InputRecord {
  if (record === null) {
    const ack: AckRecord = { type: "ack", id: presentId ?? "", source, fingerprint, status: status ?? "uploaded", batch: 0, run: "" };
    if (digest !== null) ack.digest = digest;
    return ack;
  }
  const parsed = JSON.parse(record) as InputRecord;
  parsed.source = source;
  if (parsed.type === "ack") {
    parsed.batch = 0;
    parsed.run = "";
  }
  return parsed;
}

/** Bytes at the start of a log that tell one log from another (its header record). */
const HEAD_BYTES = 512;

/** The SHA-256 of the first `length` bytes of the file. */
function headOf(fd: number, length: number): string {
  const head = Buffer.alloc(length);
  const read = length > 0 ? readSync(fd, head, 0, length, 0) : 0;
  return createHash("sha256").update(head.subarray(0, read)).digest("hex");
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code.startsWith("SQLITE_BUSY");
}

function unlinkQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // Opening it again reports the real problem.
  }
}
