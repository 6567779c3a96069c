import type { Caller } from "../api/caller.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { countInputs, describeProblem, problemRecords } from "../upload/job-counts.js";
import { JobLock } from "../upload/job-lock.js";
import { JobLogWriter, type AckRecord, type JobState, type MissingRecord, type ProcessedRecord, type ProcessingFailedRecord } from "../upload/joblog.js";
import { lookUpStatuses, type FoundInput } from "../upload/look-up.js";
import { ResendSet } from "./resend-set.js";
import { SpilledList } from "./spilled-list.js";

/** One input `status` names: not settled on the server, or one that never got in. */
export interface StatusLine {
  id?: string;
  source: string;
  status: string;
  reason: string;
  message: string;
}

export interface JobStatus {
  /** Inputs the job put on the server (acknowledged, or failed processing there). */
  onServer: number;
  counts: { processed: number; pending: number; failed: number; missing: number; kept: number; rejected: number; not_sent: number; conflicts: number; regions_pending: number };
  /** Every input not settled on the server, then every one that never got in (read once). */
  lines: Iterable<StatusLine>;
  /** What `status --retry` sends again: missing, and failed processing (deleted as it is sent). Closed by whoever sends them. */
  toResend: ResendSet;
}

/** Records read from the job's index at a time: what `status` holds in memory, whatever the size of the job. */
const STATUS_PAGE = 10_000;

/** Lines of unsettled inputs held in memory; more wait in a temporary file until they are shown. */
const HELD_LINES = 10_000;

/**
 * `status JOB`: looks every input the job put on the server up by id, and tells how
 * each stands, with the inputs the log says never got in. What it learns (processed,
 * processing failed) is written to the job log, unless a run of the job holds it. Nothing
 * is deleted here: --retry's run deletes an input that failed processing only as it sends
 * it again, not one it cannot send (its source gone, or failed as often as allowed).
 * The job is read a page of inputs at a time, and the lines of its unsettled inputs wait
 * in a temporary file past the first 10,000, so a job of millions (all of them pending,
 * just after its upload) costs no more memory than one of ten thousand. So do the inputs
 * to send again for --retry, past the first 10,000 (see ResendSet).
 */
export async function checkJobStatus(caller: Caller, job: { path: string; job: string; state: JobState }, options: { pageSize?: number; heldLines?: number } = {}): Promise<JobStatus> {
  const pageSize = options.pageSize ?? STATUS_PAGE;
  const counts = { processed: 0, pending: 0, failed: 0, missing: 0, kept: 0 };
  let onServer = 0;
  const unsettled = new SpilledList<StatusLine>(options.heldLines ?? HELD_LINES);
  const toResend = new ResendSet();
  const learned = new LearnedRecords(job);
  try {
    for (let page = job.state.latest.page(undefined, pageSize); page.length > 0; page = job.state.latest.page(page.at(-1)?.source, pageSize)) {
      // Not looked up: URLs the app held already under another id (no input has theirs).
      // Kept inputs are: what the server holds under their ids is not the job's content, but
      // once it is gone, the file is the job's to send.
      const mine = page.filter((record): record is OnServer => (record.type === "ack" && !record.underAnotherId) || record.type === "processing_failed" || record.type === "missing");
      onServer += mine.length;
      const found = await lookUpStatuses(caller, mine.map((record) => record.id));
      const reconciled = reconcile(mine, found);
      for (const key of Object.keys(counts) as Array<keyof typeof counts>) counts[key] += reconciled.counts[key];
      unsettled.push(reconciled.unsettled);
      toResend.add(reconciled.toResend);
      learned.record(reconciled.learned);
    }
  } catch (error) {
    unsettled.close();
    toResend.close();
    throw error;
  } finally {
    learned.close();
  }
  const logged = countInputs(job.state);
  return {
    onServer,
    counts: { ...counts, rejected: logged.rejected, not_sent: logged.failed, conflicts: logged.conflicts, regions_pending: logged.regions_pending },
    lines: linesOf(unsettled, job.state, pageSize),
    toResend,
  };
}

/** The unsettled inputs, then those that never got in, read from the index as they are shown. */
function* linesOf(unsettled: SpilledList<StatusLine>, state: JobState, pageSize: number): Generator<StatusLine> {
  yield* unsettled.values();
  // Those that failed processing or went missing were looked up, and are among the unsettled.
  for (const record of problemRecords(state, pageSize)) if (record.type !== "processing_failed" && record.type !== "missing") yield describeProblem(record);
}

/** An input the job put on the server, by its latest record: acknowledged, failed processing, or found gone by an earlier `status`. */
type OnServer = AckRecord | ProcessingFailedRecord | MissingRecord;

/** What the server says of each input the job put there: counts, the lines to show, what to record and what --retry sends. */
function reconcile(onServer: readonly OnServer[], found: ReadonlyMap<string, FoundInput>) {
  const counts = { processed: 0, pending: 0, failed: 0, missing: 0, kept: 0 };
  const unsettled: StatusLine[] = [];
  const learned: LearnedRecord[] = [];
  const toResend: OnServer[] = [];
  const run = new Date().toISOString();
  for (const record of onServer) {
    const answer = found.get(record.id);
    const { id, source } = record;
    const processingFailures = record.type === "processing_failed" ? record.attempts : record.processingFailures;
    // The server's own input, left as it was by --id-conflict skip: there, or gone.
    const kept = record.type === "ack" && record.status === "kept";
    if (kept && answer !== undefined) {
      counts.kept++;
      continue;
    }
    // What the id holds now is not what this source sent (deleted and taken again, or
    // replaced by another upload): the source's content is not on the server.
    const otherContent = !kept && answer?.digest !== undefined && record.digest !== undefined && answer.digest !== record.digest;
    if (answer === undefined || otherContent) {
      counts.missing++;
      const message = kept
        ? `${source}: the server's input ${id}, kept under --id-conflict skip, is gone; the next run sends this file`
        : otherContent
          ? `${source}: input ${id} on the server holds other content (sha256 ${answer.digest!.slice(0, 12)}…), not what this job sent`
          : `${source}: input ${id} is not on the server`;
      unsettled.push({ id, source, status: "missing", reason: "missing", message });
      toResend.push(record);
      // Recorded, so that the next run sends it again instead of calling it present.
      if (record.type !== "missing") learned.push({ type: "missing", id, source, fingerprint: record.fingerprint, digest: record.digest, processingFailures: kept ? undefined : processingFailures, run });
    } else if (answer.code === StatusCode.INPUT_SUCCESS) {
      counts.processed++;
      if (record.type === "missing") learned.push({ type: "ack", id, source, fingerprint: record.fingerprint, digest: record.digest, status: "processed", processingFailures, batch: 0, run });
      else if (record.type !== "ack" || (record.status !== "processed" && record.status !== "kept")) learned.push({ type: "processed", id, source, run });
    } else if (answer.code === StatusCode.INPUT_FAILED) {
      counts.failed++;
      unsettled.push({ id, source, status: "processing_failed", reason: "processing_failed", message: `${source}: ${answer.description}` });
      toResend.push(record);
      if (record.type !== "processing_failed") {
        learned.push({ type: "processing_failed", id, source, fingerprint: record.fingerprint, digest: record.digest, code: answer.code, description: answer.description, attempts: (processingFailures ?? 0) + 1, run });
      }
    } else {
      counts.pending++;
      unsettled.push({ id, source, status: "pending", reason: "pending", message: `${source}: ${answer.description}` });
      // Back on the server under its id since an earlier status found it gone.
      if (record.type === "missing") learned.push({ type: "ack", id, source, fingerprint: record.fingerprint, digest: record.digest, status: "present", processingFailures, batch: 0, run });
    }
  }
  return { counts, unsettled, learned, toResend };
}

type LearnedRecord = ProcessedRecord | ProcessingFailedRecord | MissingRecord | AckRecord;

/**
 * Writes what `status` learned into the job log, a page at a time, unless a run of the
 * job holds it now (that run records its own).
 */
class LearnedRecords {
  private lock: JobLock | undefined;
  private writer: JobLogWriter | undefined;
  /** A run holds the job: nothing is written. */
  private held = false;

  constructor(private readonly job: { path: string; job: string; state: JobState }) {}

  record(records: readonly LearnedRecord[]): void {
    if (records.length === 0 || this.held) return;
    if (!this.writer) {
      try {
        this.lock = JobLock.acquire(this.job.path, this.job.job);
      } catch {
        this.held = true;
        return;
      }
      this.writer = new JobLogWriter(this.job.path, this.job.state.latest);
    }
    for (const record of records) this.writer.append(record);
    this.writer.sync();
  }

  close(): void {
    try {
      this.writer?.close();
    } finally {
      this.lock?.release();
    }
  }
}
