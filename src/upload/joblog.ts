import { closeSync, createReadStream, existsSync, fsync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, statSync, writeSync } from "node:fs";
import { createInterface } from "node:readline";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";

export const JOB_LOG_VERSION = 1;

/** The first record of a job log: enough to run the job again. Never holds a secret. */
export interface JobHeader {
  type: "header";
  version: number;
  job: string;
  created: string;
  command: string;
  /** The command's positional arguments (absolute paths), so `resume` can run it again. */
  args: string[];
  target: { api: string; user: string; app: string; dataset?: string };
  /** The upload options as given, without secrets. */
  options: Record<string, unknown>;
}

/**
 * An input the server acknowledged: uploaded, already present with the same content, or
 * kept (the server holds other content under its id and `--id-conflict skip` left it).
 * `processed` once `--wait` or `status` saw it processed.
 */
export interface AckRecord {
  type: "ack";
  id: string;
  source: string;
  fingerprint: string;
  status: "uploaded" | "present" | "kept" | "processed";
  /** SHA-256 of the content sent (absent in logs written before digests). */
  digest?: string;
  /** Times the platform failed to process this input before (it was deleted and sent again). */
  processingFailures?: number;
  batch: number;
  run: string;
}

/** An input that did not get in, and why; retried by the next run. */
export interface FailRecord {
  type: "failed" | "rejected" | "conflict";
  id?: string;
  source: string;
  fingerprint: string;
  digest?: string;
  reason: string;
  message: string;
  run: string;
}

/** `--wait` or `status` found that the platform processed an input. */
export interface ProcessedRecord {
  type: "processed";
  id: string;
  source: string;
  run: string;
}

/** `--wait` or `status` found that the platform failed to process an input: the next run deletes and sends it again, up to --max-processing-attempts. */
export interface ProcessingFailedRecord {
  type: "processing_failed";
  id: string;
  source: string;
  fingerprint: string;
  digest?: string;
  /** The platform's status code and description. */
  code: number;
  description: string;
  /** Processing attempts that failed so far, over every run. */
  attempts: number;
  run: string;
}

export interface BatchRecord {
  type: "batch";
  seq: number;
  inputs: number;
  bytes: number;
  addJob: string;
  run: string;
}

export interface RunRecord {
  type: "run";
  run: string;
  started: string;
  addJob: string;
}

export interface EndRecord {
  type: "end";
  run: string;
  ended: string;
  outcome: string;
  summary: Record<string, number | string | boolean>;
}

/** An archive upload the platform extracts (`zip --server-extract`): one per archive version. */
export interface UploadRecord {
  type: "upload";
  upload: string;
  addJob: string;
  /** Size + mtime of the archive when the upload began. */
  fingerprint: string;
  partSize: number;
  run: string;
}

/** One part of an archive upload, acknowledged by the server. */
export interface PartRecord {
  type: "part";
  upload: string;
  part: number;
  run: string;
}

export type JobRecord = JobHeader | AckRecord | FailRecord | ProcessedRecord | ProcessingFailedRecord | BatchRecord | RunRecord | EndRecord | UploadRecord | PartRecord;

/** Where one input stands, as its latest record says. */
export type InputRecord = AckRecord | FailRecord | ProcessingFailedRecord;

export function defaultJobsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(state, "clarifai-upload", "jobs");
}

export function jobLogPath(job: string, jobsDir = defaultJobsDir()): string {
  return join(jobsDir, `${job}.jsonl`);
}

/**
 * The latest outcome per source. An acknowledged input (nearly all of them) is kept as
 * one short string, not a parsed record, so that replaying the log of a job of millions
 * of inputs stays near 175 bytes per input.
 */
export class LatestBySource {
  private readonly acks = new Map<string, string>();
  private readonly failures = new Map<string, FailRecord | ProcessingFailedRecord>();

  set(record: InputRecord | ProcessedRecord): void {
    if (record.type === "processed") {
      // Only the input this source was last acknowledged under, and not a kept one: what the
      // server processed under its id is other content, not this source's.
      const ack = this.get(record.source);
      if (ack?.type === "ack" && ack.id === record.id && ack.status !== "kept") this.set({ ...ack, status: "processed" });
    } else if (record.type === "ack") {
      // join makes one flat string. A template literal would keep a tree of its parts
      // alive: 31 MiB instead of 17 MiB for the acks of 100,000 inputs.
      this.acks.set(record.source, [ACK_STATUS_LETTERS[record.status], record.fingerprint, record.id, record.digest ?? "", record.processingFailures ?? 0].join("\t"));
      this.failures.delete(record.source);
    } else {
      this.failures.set(record.source, record);
      this.acks.delete(record.source);
    }
  }

  get(source: string): InputRecord | undefined {
    const ack = this.acks.get(source);
    return ack === undefined ? this.failures.get(source) : decodeAck(source, ack);
  }

  get size(): number {
    return this.acks.size + this.failures.size;
  }

  *values(): IterableIterator<InputRecord> {
    for (const [source, ack] of this.acks) yield decodeAck(source, ack);
    yield* this.failures.values();
  }
}

const ACK_STATUS_LETTERS: Record<AckRecord["status"], string> = { uploaded: "u", present: "p", kept: "k", processed: "d" };
const ACK_STATUSES = new Map(Object.entries(ACK_STATUS_LETTERS).map(([status, letter]) => [letter, status as AckRecord["status"]]));

/** An ack as kept in memory: the fields a re-run and `status` need (batch and run are not kept). */
function decodeAck(source: string, packed: string): AckRecord {
  const [letter, fingerprint = "", id = "", digest = "", failures = "0"] = packed.split("\t");
  return { type: "ack", source, status: ACK_STATUSES.get(letter ?? "") ?? "uploaded", fingerprint, id, digest: digest || undefined, processingFailures: Number(failures) || undefined, batch: 0, run: "" };
}

/** What replaying a log tells: the header and, per source, its latest outcome. */
export interface JobState {
  header?: JobHeader;
  /** Latest ack or failure per source. */
  latest: LatestBySource;
  runs: RunRecord[];
  ends: EndRecord[];
  batches: number;
  /** The latest archive upload begun. */
  upload?: UploadRecord;
  /** Parts acknowledged, per upload id. */
  parts: Map<string, Set<number>>;
  /** Lines that could not be parsed (a torn last line after a crash is the usual one). */
  corruptLines: number;
}

/** Replays a job log, streaming it line by line. A torn or corrupt line is counted and skipped, never fatal. */
export async function replayJobLog(path: string): Promise<JobState> {
  const state: JobState = { latest: new LatestBySource(), runs: [], ends: [], batches: 0, parts: new Map(), corruptLines: 0 };
  if (!existsSync(path)) return state;
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    let record: JobRecord;
    try {
      record = JSON.parse(line) as JobRecord;
    } catch {
      state.corruptLines++;
      continue;
    }
    if (!hasShape(record)) {
      state.corruptLines++;
      continue;
    }
    switch (record.type) {
      case "header":
        state.header ??= record;
        break;
      case "ack":
      case "failed":
      case "rejected":
      case "conflict":
      case "processed":
      case "processing_failed":
        state.latest.set(record);
        break;
      case "batch":
        state.batches++;
        break;
      case "run":
        state.runs.push(record);
        break;
      case "end":
        state.ends.push(record);
        break;
      case "upload":
        state.upload = record;
        break;
      case "part": {
        const parts = state.parts.get(record.upload) ?? new Set<number>();
        parts.add(record.part);
        state.parts.set(record.upload, parts);
        break;
      }
      default:
        state.corruptLines++;
    }
  }
  return state;
}

const isText = (value: unknown): value is string => typeof value === "string";

/**
 * True when a parsed line has the fields its type needs: a malformed record is counted
 * and ignored like a torn line, never trusted.
 */
function hasShape(record: unknown): record is JobRecord {
  if (record === null || typeof record !== "object") return false;
  const r = record as Record<string, unknown>;
  switch (r.type) {
    case "header":
      return isText(r.job) && isText(r.command) && Array.isArray(r.args) && typeof r.target === "object" && r.target !== null;
    case "ack":
      return isText(r.id) && isText(r.source) && isText(r.fingerprint) && isText(r.status) && r.status in ACK_STATUS_LETTERS;
    case "failed":
    case "rejected":
    case "conflict":
      return isText(r.source) && isText(r.reason);
    case "processed":
      return isText(r.id) && isText(r.source);
    case "processing_failed":
      return isText(r.id) && isText(r.source) && typeof r.attempts === "number";
    case "batch":
    case "run":
    case "end":
      return true;
    case "upload":
      return isText(r.upload) && isText(r.fingerprint);
    case "part":
      return isText(r.upload) && typeof r.part === "number";
    default:
      return false;
  }
}

/**
 * Append-only JSON Lines writer. Records are buffered and written by `sync()`, which the
 * pipeline calls after each acknowledged batch. The write itself is synchronous, so a
 * killed process loses nothing the server acknowledged; the fsync that guards against
 * power loss runs off the main thread, one at a time. A crash can at worst tear the last
 * line, which replay ignores.
 */
export class JobLogWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private flushing = false;
  private dirty = false;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    const torn = existsSync(path) && endsWithoutNewline(path);
    this.fd = openSync(path, "a", 0o600);
    if (torn) writeSync(this.fd, "\n");
  }

  append(record: JobRecord): void {
    this.pending.push(JSON.stringify(record));
  }

  sync(): void {
    if (this.pending.length === 0) return;
    const text = this.pending.join("\n") + "\n";
    this.pending = [];
    writeSync(this.fd, text);
    this.dirty = true;
    this.flushInBackground();
  }

  private flushInBackground(): void {
    if (this.flushing || !this.dirty) return;
    this.flushing = true;
    this.dirty = false;
    fsync(this.fd, () => {
      this.flushing = false;
      this.flushInBackground();
    });
  }

  close(): void {
    this.sync();
    fsyncSync(this.fd);
    closeSync(this.fd);
  }
}

function endsWithoutNewline(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return false;
  const fd = openSync(path, "r");
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

export interface JobListing {
  job: string;
  path: string;
  modified: Date;
}

export function listJobs(jobsDir = defaultJobsDir()): JobListing[] {
  if (!existsSync(jobsDir)) return [];
  return readdirSync(jobsDir)
    .filter((name) => name.endsWith(".jsonl"))
    .map((name) => {
      const path = join(jobsDir, name);
      return { job: basename(name, ".jsonl"), path, modified: statSync(path).mtime };
    })
    .sort((a, b) => b.modified.getTime() - a.modified.getTime());
}
