import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { InputIDConflictResolution, type Input } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { EXIT } from "../report/exit-codes.js";
import { formatBytes } from "../report/format.js";
import { uploadArchive } from "../upload/archive-upload.js";
import { callerFor } from "../upload/caller-for.js";
import { ensureDataset } from "../upload/dataset.js";
import { describeExtraction, followIngestJob } from "../upload/ingest-job.js";
import { JobLock } from "../upload/job-lock.js";
import { JOB_LOG_VERSION, JobLogWriter, type JobHeader, type JobState } from "../upload/joblog.js";
import { onInterrupt } from "../upload/signals.js";
import type { JobConnection, JobIo } from "./upload-job.js";

/** An archive for the platform to extract, as one job. */
export interface ServerExtractJob {
  name: string;
  logPath: string;
  state: JobState;
  header: Omit<JobHeader, "type" | "version" | "created">;
  archive: { path: string; size: number; fingerprint: string };
  partSize: number;
  concurrency: number;
  rps: number;
  maxRetries: number;
  template?: Input;
  /** The platform's own resolution of taken ids: it knows skip and suffix. */
  suffixTakenIds: boolean;
  datasetId?: string;
  wait: boolean;
}

export interface ServerExtractRun {
  summary: Record<string, unknown> & { outcome: string; upload: string; parts: number };
  exitCode: number;
  hint?: string;
}

/**
 * One run of `zip --server-extract`, from lock to summary: the archive goes up in parts
 * (each acknowledged part is in the job log, so a resume sends only the missing ones),
 * and with `--wait` the platform's extraction is followed to its end.
 */
export async function runServerExtractJob(job: ServerExtractJob, io: JobIo): Promise<ServerExtractRun> {
  const { bus } = io;
  mkdirSync(dirname(job.logPath), { recursive: true });
  const lock = JobLock.acquire(job.logPath, job.name);
  const interrupt = onInterrupt(
    () => io.note("stopping: finishing the parts in flight (Ctrl-C again to cancel them)"),
    () => io.note("cancelling the calls in flight"),
  );
  let connection: JobConnection | undefined;
  let writer: JobLogWriter | undefined;
  const started = performance.now();
  try {
    connection = await io.connect();
    writer = new JobLogWriter(job.logPath, job.state.latest);
    const caller = callerFor(connection.client, { rps: job.rps, maxRetries: job.maxRetries, bus, cancel: interrupt.cancel });
    if (!job.state.header) writer.append({ type: "header", version: JOB_LOG_VERSION, created: new Date().toISOString(), ...job.header });
    if (job.datasetId) await ensureDataset(caller, job.datasetId);
    const run = new Date().toISOString();
    const result = await uploadArchive(
      {
        archive: job.archive.path,
        size: job.archive.size,
        fingerprint: job.archive.fingerprint,
        partSize: job.partSize,
        concurrency: job.concurrency,
        template: job.template,
        conflict: job.suffixTakenIds ? InputIDConflictResolution.SUFFIX : InputIDConflictResolution.SKIP,
      },
      { caller, bus, log: { writer, state: job.state, run }, stop: interrupt.signal },
    );
    io.note(`upload ${result.uploadId}: ${result.sentParts} of ${result.parts} part(s) sent now (${formatBytes(result.sentBytes)})${result.resumed ? ", resumed" : ""}; inputs-add job ${result.addJobId}`);
    let outcome = result.complete ? "uploaded" : interrupt.signal.aborted ? "interrupted" : "incomplete";
    let processed = 0;
    let failed = 0;
    if (result.complete && job.wait) {
      const followed = await followIngestJob(caller, result.addJobId, bus, interrupt.signal);
      for (const extraction of followed.extractions) io.note(describeExtraction(extraction));
      processed = followed.job.progress?.successCount ?? 0;
      failed = followed.job.progress?.failedCount ?? 0;
      const extractionFailed = followed.extractions.some((extraction) => extraction.status?.code !== StatusCode.JOB_COMPLETED);
      outcome = !followed.finished ? "interrupted" : extractionFailed || failed > 0 ? "failed" : "done";
    }
    const summary = { event: "summary", job: job.name, outcome, upload: result.uploadId, add_job: result.addJobId, parts: result.parts, sent_parts: result.sentParts, bytes: result.sentBytes, uploaded: processed, failed, seconds: Math.round(performance.now() - started) / 1000 };
    writer.append({ type: "end", run, ended: new Date().toISOString(), outcome, summary });
    const hint = outcome === "interrupted" || outcome === "incomplete" ? `resume with: clarifai-upload resume ${job.name}` : job.wait ? undefined : "the platform extracts it now; follow with: clarifai-upload extraction list";
    const exitCode = outcome === "interrupted" ? EXIT.interrupted : outcome === "incomplete" || outcome === "failed" ? EXIT.someFailed : EXIT.ok;
    return { summary, exitCode, hint };
  } finally {
    interrupt.remove();
    writer?.close();
    lock.release();
    await connection?.close();
  }
}
