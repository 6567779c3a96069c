import { closeSync, existsSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readSync, readdirSync, statSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { InputIndex } from "./input-index.js";
import { codeOf, UsageError } from "../errors.js";

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
  /** Some of its regions were not stored: the next run sends it again, finds it present, and posts them. */
  annotationsPending?: boolean;
  /** Present under another id: the app already held this URL, and refused it again (duplicate_url). */
  underAnotherId?: boolean;
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
  /**
   * It was being sent again after failing processing this many times: the next run deletes
   * and sends it again, still counting them against --max-processing-attempts.
   */
  processingFailures?: number;
  run: string;
}

/**
 * `status` looked up an input the job had put on the server, and the server does not
 * have it (deleted since): the next run sends it again, still counting its processing failures.
 */
export interface MissingRecord {
  type: "missing";
  id: string;
  source: string;
  fingerprint: string;
  digest?: string;
  processingFailures?: number;
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

/**
 * A file whose latest record said it never got in (rejected, failed to send, in conflict)
 * is gone from the disk, and a run that ended done did not meet it: that problem no
 * longer stands (see UnmetProblems).
 */
export interface GoneRecord {
  type: "gone";
  source: string;
  run: string;
}

/** A run began (written as it starts, so that a run killed before its end is known). */
export interface BeginRecord {
  type: "begin";
  run: string;
  /** A run of `status --retry`, which reads a few inputs again, not the whole source. */
  resend?: true;
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
  /** How sending ended (following processing after it may have been cut short: `waited`). */
  outcome: string;
  summary: Record<string, number | string | boolean>;
  /** `--wait` stopped before processing was over (interrupted, unreachable); what was sent stands. */
  waited?: string;
  /** The error that ended the run (outcome "error"). */
  message?: string;
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

export type JobRecord = JobHeader | AckRecord | FailRecord | ProcessedRecord | ProcessingFailedRecord | MissingRecord | GoneRecord | BatchRecord | BeginRecord | RunRecord | EndRecord | UploadRecord | PartRecord;

/** Where one input stands, as its latest record says. */
export type InputRecord = AckRecord | FailRecord | ProcessingFailedRecord | MissingRecord;

export function defaultJobsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state");
  return join(state, "clarifai-upload", "jobs");
}

export function jobLogPath(job: string, jobsDir = defaultJobsDir()): string {
  return join(jobsDir, `${job}.jsonl`);
}

/** What a job's log tells: its header, its runs, and per source its latest record (in the index). */
export interface JobState {
  header?: JobHeader;
  /** Latest record per source, on disk beside the log. */
  latest: InputIndex;
  /** Runs that began (since this record was kept: older logs have none). */
  begun: BeginRecord[];
  runs: RunRecord[];
  ends: EndRecord[];
  batches: number;
  /** The latest archive upload begun. */
  upload?: UploadRecord;
  /** Parts acknowledged, per upload id. */
  parts: Map<string, Set<number>>;
  /** Lines that could not be read (a torn last line after a crash is the usual one), or records without the fields their type needs. */
  corruptLines: number;
}

/**
 * Opens a job's state: its index is caught up with the log (only the records written
 * since the index last saw it are read), then the few records that are not an input's
 * are read back. A torn or malformed line is counted and skipped, never fatal. With
 * `create`, the index is made on disk even before the log exists (a run will write it).
 */
export async function replayJobLog(path: string, options: { create?: boolean } = {}): Promise<JobState> {
  let latest: InputIndex | undefined;
  try {
    latest = InputIndex.open(path, options.create ?? false);
    latest.catchUp();
  } catch (error) {
    latest?.close();
    // Not a file of its own (a folder by that name), one this user cannot read or write, a full disk.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !/^(E[A-Z]+|SQLITE_[A-Z_]+)$/.test(code)) throw error;
    throw new UsageError(`${path}: cannot open the job log (${code})`);
  }
  const state: JobState = { latest, begun: [], runs: [], ends: [], batches: latest.batches, parts: new Map(), corruptLines: latest.corruptLines };
  for (const record of latest.others()) {
    switch (record.type) {
      case "header":
        state.header ??= record;
        break;
      case "begin":
        state.begun.push(record);
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
    }
  }
  return state;
}

/** Least time between two fsyncs of a job log while a run writes it (close() syncs at once). */
const FSYNC_INTERVAL_MS = 100;

/**
 * Append-only JSON Lines writer. Records are buffered and written by `sync()`, which the
 * job log recorder calls after each batch. The write itself is synchronous, so a
 * killed process loses nothing the server acknowledged; the fsync that guards against
 * power loss runs off the main thread, one at a time and at most every 100 ms. A crash
 * can at worst tear the last line, which replay ignores.
 */
export class JobLogWriter {
  private readonly fd: number;
  private pending: JobRecord[] = [];
  /** The pending records' lines, where their writer gave them (see `append`). */
  private lines: Array<string | undefined> = [];
  private flushing = false;
  private dirty = false;
  private closed = false;
  private pause: NodeJS.Timeout | undefined;
  /** Bytes in the log: where the next write lands. */
  private size: number;
  /** Why the log could not be written (a full disk): nothing more is, and the run is told once. */
  private failure: string | undefined;

  /**
   * `index`: the job's index, which folds each write as it is made. `onFailure`: the log
   * (or its index) could not be written; what was written stands, a torn last line included,
   * which replay ignores.
   */
  constructor(
    readonly path: string,
    private readonly index?: InputIndex,
    private readonly onFailure?: (why: string) => void,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    const torn = existsSync(path) && endsWithoutNewline(path);
    this.fd = openSync(path, "a", 0o600);
    if (torn) writeSync(this.fd, "\n");
    this.size = fstatSync(this.fd).size;
  }

  /** `line`: the record as JSON.stringify writes it, when the caller has a cheaper way to write it. */
  append(record: JobRecord, line?: string): void {
    this.pending.push(record);
    this.lines.push(line);
  }

  sync(): void {
    if (this.pending.length === 0 || this.failure) return;
    const records = this.pending;
    const lines = this.lines;
    this.pending = [];
    this.lines = [];
    const text = records.map((record, index) => lines[index] ?? JSON.stringify(record)).join("\n") + "\n";
    const before = this.size;
    try {
      this.size += writeSync(this.fd, text);
      this.index?.written(records, before, this.size);
    } catch (error) {
      this.failure = `cannot write the job log ${this.path} (${codeOf(error)})`;
      this.onFailure?.(this.failure);
      return;
    }
    this.dirty = true;
    this.flushInBackground();
  }

  /** Why the log stopped being written, if it did. */
  get failed(): string | undefined {
    return this.failure;
  }

  private flushInBackground(): void {
    if (this.flushing || !this.dirty) return;
    this.flushing = true;
    this.dirty = false;
    fsync(this.fd, () => {
      // The next fsync waits a little: each costs the main thread a hand-off to the thread
      // pool (about 0.1 ms here), and batches are answered faster than that apart.
      if (this.closed) return;
      this.pause = setTimeout(() => {
        this.flushing = false;
        this.flushInBackground();
      }, FSYNC_INTERVAL_MS).unref();
    });
  }

  close(): void {
    this.sync();
    this.closed = true;
    clearTimeout(this.pause);
    try {
      if (!this.failure) fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
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
  /** Why it could not even be stat'ed (a link into a folder the user cannot enter, a loop). */
  unreadable?: string;
}

export function listJobs(jobsDir = defaultJobsDir()): JobListing[] {
  if (!existsSync(jobsDir)) return [];
  return readdirSync(jobsDir)
    .filter((name) => name.endsWith(".jsonl"))
    .flatMap((name): JobListing[] => {
      const path = join(jobsDir, name);
      const job = basename(name, ".jsonl");
      let stats;
      try {
        stats = statSync(path, { throwIfNoEntry: false });
      } catch (error) {
        return [{ job, path, modified: new Date(0), unreadable: `cannot read it (${codeOf(error)})` }];
      }
      // Only files: a folder that happens to end in .jsonl is not a job.
      return stats?.isFile() ? [{ job, path, modified: stats.mtime }] : [];
    })
    .sort((a, b) => b.modified.getTime() - a.modified.getTime());
}
