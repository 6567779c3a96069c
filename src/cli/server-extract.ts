import { statSync } from "node:fs";
import { resolve } from "node:path";
import { RateLimiter } from "../api/rate-limiter.js";
import { DEFAULT_RETRY_POLICY } from "../api/retry.js";
import { InputIDConflictResolution } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { UsageError } from "../errors.js";
import { EXIT } from "../report/exit-codes.js";
import { formatBytes } from "../report/format.js";
import { chooseMode, createReporter } from "../report/reporter.js";
import { uploadArchive } from "../upload/archive-upload.js";
import { ensureDataset } from "../upload/dataset.js";
import { EventBus } from "../upload/events.js";
import { describeExtraction, followIngestJob } from "../upload/ingest-job.js";
import { JobLock } from "../upload/job-lock.js";
import { jobLogPath, JOB_LOG_VERSION, JobLogWriter, replayJobLog } from "../upload/joblog.js";
import { onInterrupt } from "../upload/signals.js";
import { inputTemplate } from "./cloud-commands.js";
import { checkRunPaths } from "./check-paths.js";
import { connect, defaultLocalDataDir, settingsFor } from "./connect.js";
import type { GlobalOptions } from "./global-options.js";
import { deriveJobName } from "./job-name.js";
import { savedOptions } from "./run-upload.js";
import { parseInteger, parseSize, type RawUploadOptions } from "./upload-options.js";

export interface ServerExtractFlags extends RawUploadOptions {
  partSize: string;
  idConflict: "skip" | "suffix";
}

export const SERVER_EXTRACT_COMMAND = "zip-server-extract";

/** `zip ARCHIVE --server-extract`: the archive goes up in parts and the platform unpacks it. */
export async function runServerExtract(archive: string, flags: ServerExtractFlags, global: GlobalOptions): Promise<number> {
  const path = resolve(archive);
  let size: number;
  let mtimeMs: number;
  try {
    ({ size, mtimeMs } = statSync(path));
  } catch {
    throw new UsageError(`${archive}: no such file`);
  }
  if (size === 0) throw new UsageError(`${archive}: the archive is empty`);
  const partSize = parseSize(flags.partSize, "--part-size");
  if (partSize < 1 || partSize >= 128 * 1024 * 1024) throw new UsageError("--part-size must be at least 1 byte and under 128 MiB");
  const concurrency = parseInteger(flags.concurrency, "--concurrency");
  const local = flags.local === undefined || flags.local === false ? undefined : flags.local;
  const settings = settingsFor(global, local);
  const target = { api: local !== undefined ? `local:${local === true ? "default" : resolve(local)}` : settings.apiBase, user: settings.userId ?? "", app: settings.appId ?? "", dataset: flags.dataset };
  const job = flags.job ?? deriveJobName(SERVER_EXTRACT_COMMAND, [path], target, { from: "path", prefix: "" });
  const logPath = flags.jobLog ? resolve(flags.jobLog) : jobLogPath(job);
  checkRunPaths({ jobLog: { path: logPath, given: flags.jobLog !== undefined }, localDir: local === true ? defaultLocalDataDir() : local });
  const state = await replayJobLog(logPath);
  const reporter = createReporter({ mode: chooseMode(global) });
  const bus = new EventBus();
  bus.on(reporter.listener);
  const lock = JobLock.acquire(logPath, job);
  const interrupt = onInterrupt(() => reporter.note("stopping: finishing the parts in flight (Ctrl-C again to quit at once)"));
  const connection = await connect(global, local).catch((error: unknown) => {
    lock.release();
    interrupt.remove();
    throw error;
  });
  const writer = new JobLogWriter(logPath);
  const started = performance.now();
  try {
    if (!state.header) {
      writer.append({ type: "header", version: JOB_LOG_VERSION, job, created: new Date().toISOString(), command: SERVER_EXTRACT_COMMAND, args: [path], target, options: savedOptions(flags, global) });
    }
    if (flags.dataset) await ensureDataset(connection.client, flags.dataset);
    const run = new Date().toISOString();
    const result = await uploadArchive(
      {
        archive: path,
        size,
        fingerprint: `${size}:${Math.floor(mtimeMs)}`,
        partSize,
        concurrency,
        template: inputTemplate(flags),
        conflict: flags.idConflict === "suffix" ? InputIDConflictResolution.SUFFIX : InputIDConflictResolution.SKIP,
      },
      { client: connection.client, limiter: new RateLimiter(Number(flags.rps)), retry: { ...DEFAULT_RETRY_POLICY, maxRetries: parseInteger(flags.maxRetries, "--max-retries") }, bus, log: { writer, state, run }, stop: interrupt.signal },
    );
    reporter.note(`upload ${result.uploadId}: ${result.sentParts} of ${result.parts} part(s) sent now (${formatBytes(result.sentBytes)})${result.resumed ? ", resumed" : ""}; inputs-add job ${result.addJobId}`);
    let outcome = result.complete ? "uploaded" : interrupt.signal.aborted ? "interrupted" : "incomplete";
    let processed = 0;
    let failed = 0;
    if (result.complete && flags.wait) {
      const followed = await followIngestJob(connection.client, result.addJobId, bus, interrupt.signal);
      for (const extraction of followed.extractions) reporter.note(describeExtraction(extraction));
      processed = followed.job.progress?.successCount ?? 0;
      failed = followed.job.progress?.failedCount ?? 0;
      const extractionFailed = followed.extractions.some((extraction) => extraction.status?.code !== StatusCode.JOB_COMPLETED);
      outcome = !followed.finished ? "interrupted" : extractionFailed || failed > 0 ? "failed" : "done";
    }
    const summary = { event: "summary", job, outcome, upload: result.uploadId, add_job: result.addJobId, parts: result.parts, sent_parts: result.sentParts, bytes: result.sentBytes, uploaded: processed, failed, seconds: Math.round(performance.now() - started) / 1000 };
    writer.append({ type: "end", run, ended: new Date().toISOString(), outcome, summary });
    if (outcome === "interrupted" || outcome === "incomplete") reporter.note(`resume with: clarifai-upload resume ${job}`);
    else if (!flags.wait) reporter.note("the platform extracts it now; follow with: clarifai-upload extraction list");
    reporter.flush();
    if (global.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else if (!global.quiet) process.stderr.write(`  job       ${job}\n  upload    ${result.uploadId} (${result.parts} parts)\n  outcome   ${outcome}\n`);
    if (outcome === "interrupted") return EXIT.interrupted;
    if (outcome === "incomplete" || outcome === "failed") return EXIT.someFailed;
    return EXIT.ok;
  } finally {
    interrupt.remove();
    writer.close();
    lock.release();
    await connection.close();
  }
}
