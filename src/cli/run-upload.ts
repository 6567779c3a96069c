import { resolve } from "node:path";
import { RateLimiter } from "../api/rate-limiter.js";
import { DEFAULT_RETRY_POLICY } from "../api/retry.js";
import { UsageError } from "../errors.js";
import { MiB } from "../validate/limits.js";
import { ensureDataset } from "../upload/dataset.js";
import { EventBus } from "../upload/events.js";
import { JobLock } from "../upload/job-lock.js";
import { jobLogPath, JOB_LOG_VERSION, JobLogWriter, replayJobLog } from "../upload/joblog.js";
import { runUpload, type RunResult, type UploadPlan } from "../upload/pipeline.js";
import { onInterrupt } from "../upload/signals.js";
import { followProcessing } from "../upload/tracker.js";
import { loadTransform } from "../upload/transform.js";
import { exitCodeFor } from "../report/exit-codes.js";
import { FailedOutWriter } from "../report/failed-out.js";
import { createReporter, uploadReporterOptions } from "../report/reporter.js";
import { summarize } from "../report/summary.js";
import { checkRunPaths, skipOwnFiles } from "./check-paths.js";
import { connect, defaultLocalDataDir, settingsFor, type Connection } from "./connect.js";
import type { GlobalOptions } from "./global-options.js";
import { hintCommand } from "./hints.js";
import { deriveJobName } from "./job-name.js";
import { parseUploadOptions, type RawUploadOptions } from "./upload-options.js";

/** Where an upload command's candidates come from. */
export type CandidateSource = UploadPlan["candidates"];

export interface UploadCommand {
  /** Command name, as in the job log header: `folder`, `files`, `urls`. */
  name: string;
  /** Positional arguments, made absolute where they are paths, for the job name and `resume`. */
  args: string[];
  candidates: CandidateSource;
  /** Send even what the job log says is already there (after `status --retry` deleted it). */
  resend?: boolean;
  /** The folder relative paths start from (annotation files name images by it). */
  root?: string;
  /** Reads what a person types at the terminal (no progress bars then). */
  readsTerminal?: boolean;
}

/**
 * File bytes all batches in flight may hold at once (at least one batch's worth). Each
 * byte is held twice while it is sent: read into the request, and framed by grpc-js,
 * whose copy is freed only when the garbage collector runs. 10 MiB images peak at about
 * 206 MiB. Against the local server, 48 MiB (four such images in flight) reached 83% of
 * the wire ceiling where 24 MiB reached 76%; 64 MiB was no faster.
 */
const MEMORY_BUDGET_BYTES = 48 * MiB;

/** Runs an upload command from start to summary and returns its exit code. */
export async function runUploadCommand(command: UploadCommand, raw: RawUploadOptions, global: GlobalOptions): Promise<number> {
  const options = parseUploadOptions(raw);
  const started = performance.now();
  const settings = settingsFor(global, options.local);
  const localDir = options.local === true ? "default" : options.local;
  const target = {
    api: localDir !== undefined ? `local:${localDir === "default" ? localDir : resolve(localDir)}` : settings.apiBase,
    user: settings.userId ?? "",
    app: settings.appId ?? "",
    dataset: options.defaults.datasetId,
  };
  const job = options.job ?? deriveJobName(command.name, command.args, target, { from: options.idFrom, prefix: options.idPrefix }, raw.shard);
  if (!/^[A-Za-z0-9_.-]+$/.test(job)) throw new UsageError(`--job ${job}: use letters, digits, '.', '_' and '-'`);
  const logPath = options.jobLog ? resolve(options.jobLog) : jobLogPath(job);
  checkRunPaths({ jobLog: { path: logPath, given: options.jobLog !== undefined }, failedOut: options.failedOut && resolve(options.failedOut), localDir: options.local === true ? defaultLocalDataDir() : options.local });
  command = { ...command, candidates: skipOwnFiles(command.candidates, [logPath, `${logPath}.lock`, options.failedOut]) };
  const state = await replayJobLog(logPath);

  const transform = options.transform ? await loadTransform(options.transform) : undefined;
  const labels = options.annotations || options.sidecars
    ? await (await import("../upload/label-source.js")).loadLabels({ annotations: options.annotations, format: options.annotationsFormat, sidecars: options.sidecars, sourceRoot: command.root ?? process.cwd() })
    : undefined;
  const jobRef = options.jobLog ? logPath : job;
  const reporter = createReporter(uploadReporterOptions(global, { statusCommand: hintCommand("status", jobRef, global, options.local), target, readsTerminal: command.readsTerminal, dryRun: options.dryRun }));
  const bus = new EventBus();
  bus.on(reporter.listener);
  if (state.corruptLines > 0) reporter.note(`job log ${logPath}: ${state.corruptLines} unreadable line(s) ignored (a torn last line after a crash is expected)`);
  const failedOut = options.failedOut ? new FailedOutWriter(resolve(options.failedOut)) : undefined;
  if (failedOut) bus.on(failedOut.listener);
  const uploaded = new Map<string, string>();
  if (options.wait) bus.on((event) => event.type === "input" && event.status === "uploaded" && event.id && uploaded.set(event.id, event.source));

  let connection: Connection | undefined;
  let writer: JobLogWriter | undefined;
  const lock = options.dryRun ? undefined : JobLock.acquire(logPath, job);
  const interrupt = onInterrupt(() => {
    reporter.interrupted();
    reporter.note("stopping: finishing the batches in flight (Ctrl-C again to quit at once)");
  });
  try {
    if (!options.dryRun) {
      connection = await connect(global, options.local);
      if (connection.local) reporter.note(`local server: ${connection.local.address}, user ${settings.userId}, app ${settings.appId}`);
      if (options.defaults.datasetId) {
        const how = await ensureDataset(connection.client, options.defaults.datasetId);
        if (how === "created") reporter.note(`created dataset ${options.defaults.datasetId}`);
      }
      writer = new JobLogWriter(logPath);
      if (!state.header) {
        writer.append({
          type: "header",
          version: JOB_LOG_VERSION,
          job,
          created: new Date().toISOString(),
          command: command.name,
          args: command.args,
          target,
          options: savedOptions(raw, global),
        });
      }
    }
    const run = new Date().toISOString();
    const result: RunResult = await runUpload(
      {
        candidates: labels ? (report) => labels.wrap(command.candidates(report), report) : command.candidates,
        idFrom: options.idFrom,
        idPrefix: options.idPrefix,
        shard: options.shard,
        batchLimits: options.batchLimits,
        concurrency: options.concurrency,
        memoryBudgetBytes: Math.max(MEMORY_BUDGET_BYTES, options.batchLimits.maxBytes),
        defaults: options.defaults,
        dryRun: options.dryRun,
        resend: command.resend,
        transform,
        annotations: labels?.source,
      },
      {
        client: connection?.client,
        limiter: new RateLimiter(options.rps),
        retry: { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries },
        bus,
        log: writer && { writer, state, run },
        stop: interrupt.signal,
      },
    );
    writer?.append({ type: "run", run, started: run, addJob: result.addJobId });

    if (options.wait && connection && result.outcome === "done" && uploaded.size > 0) {
      const failures = await followProcessing(connection.client, result.addJobId, uploaded, bus, interrupt.signal);
      for (const failure of failures) {
        result.totals.uploaded--;
        result.totals.failed++;
        const source = uploaded.get(failure.id) ?? failure.id;
        bus.emit({ type: "input", id: failure.id, source, status: "failed", reason: "processing_failed", message: `${source}: input ${failure.id} failed processing: ${failure.message}`, bytes: 0 });
      }
    }

    const summary = summarize(job, result, (performance.now() - started) / 1000);
    writer?.append({ type: "end", run, ended: new Date().toISOString(), outcome: result.outcome, summary: { ...summary } });
    writer?.close();
    writer = undefined;
    if (result.message) reporter.note(`stopped: ${result.message}`);
    const rows = failedOut?.close();
    if (failedOut && rows) reporter.note(`${rows} rejected or failed input(s) written to ${failedOut.path}`);
    if (!options.dryRun && (result.outcome === "interrupted" || result.outcome === "unreachable")) reporter.note(`resume with: ${hintCommand("resume", jobRef, global, options.local, command.args.includes("-"))}`);
    else if (!options.dryRun && !options.wait && result.totals.uploaded > 0) reporter.note(`inputs are processed in the background; check with: ${hintCommand("status", jobRef, global, options.local)}`);
    // The summary is always the last thing written (the last line of --json).
    reporter.finish(summary, options.dryRun);
    return exitCodeFor(result);
  } finally {
    reporter.close();
    interrupt.remove();
    writer?.close();
    lock?.release();
    await connection?.close();
  }
}

/**
 * The options a job log header keeps so that `resume` can run the job again: the upload
 * options and where to send them, never the PAT, and not how this run reported (--json, -q).
 */
export function savedOptions(raw: RawUploadOptions, global: GlobalOptions): Record<string, unknown> {
  const { pat: _pat, json: _json, quiet: _quiet, ...rest } = raw as RawUploadOptions & GlobalOptions;
  return { ...rest, api: global.api, user: global.user, app: global.app, context: global.context, insecure: global.insecure };
}
