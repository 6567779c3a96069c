import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { runUploadJob, type JobRun } from "../jobs/upload-job.js";
import { FailedOutWriter } from "../report/failed-out.js";
import { createReporter, uploadReporterOptions } from "../report/reporter.js";
import type { Target } from "../report/summary.js";
import { parseEndpoint } from "../api/endpoint.js";
import { EventBus } from "../upload/events.js";
import { INDEX_FILES } from "../upload/input-index.js";
import { jobLogPath, replayJobLog } from "../upload/joblog.js";
import type { UploadPlan } from "../upload/pipeline.js";
import { loadTransform } from "../upload/transform.js";
import { MiB } from "../validate/limits.js";
import { checkRunPaths, jobLogHeader, skipOwnFiles } from "./check-paths.js";
import { defaultLocalDataDir, jobConnector, settingsFor } from "./connect.js";
import { hintCommand } from "./hints.js";
import type { GlobalOptions } from "./global-options.js";
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

/**
 * A job's log speaks for one place: what it says is there (present, unchanged) is only
 * true of the user, app and dataset its inputs were sent to, on that server. An API
 * address may change (a proxy, a server restarted on another port: `resume --api`);
 * an embedded server's data folder is its identity.
 */
function sameTarget(a: Target, b: Target): boolean {
  const local = (target: Target): boolean => localFolderOf(target.api) !== undefined;
  const sameServer = local(a) || local(b) ? a.api === b.api : true;
  return sameServer && a.user === b.user && a.app === b.app && (a.dataset ?? "") === (b.dataset ?? "");
}

function placeOf(target: Target): string {
  return `${target.dataset ? `dataset ${target.dataset} of ` : ""}app ${target.app || "?"} (user ${target.user || "?"}) at ${target.api}`;
}

/** A target's API, for the embedded server of `--local`: its data folder, made absolute. */
function localApi(local: string | true): string {
  return `local:${local === true ? "default" : resolve(local)}`;
}

/** The `--local` a target's API names (`true` for the default folder), if it names one. */
export function localFolderOf(api: string): string | true | undefined {
  if (!api.startsWith("local:")) return undefined;
  const folder = api.slice("local:".length);
  return folder === "default" ? true : folder;
}

/** Runs an upload command from start to summary and returns its exit code. */
export async function runUploadCommand(command: UploadCommand, raw: RawUploadOptions, global: GlobalOptions): Promise<number> {
  const options = parseUploadOptions(raw);
  const settings = settingsFor(global, options.local);
  const target = {
    api: options.local !== undefined ? localApi(options.local) : settings.apiBase,
    user: settings.userId ?? "",
    app: settings.appId ?? "",
    dataset: options.defaults.datasetId,
  };
  const regionsFrom = { annotations: options.annotations && resolve(options.annotations), sidecars: options.sidecars };
  const job = options.job ?? deriveJobName(command.name, command.args, target, { from: options.idFrom, prefix: options.idPrefix }, options.shard && `${options.shard.index}/${options.shard.count}`, regionsFrom);
  if (!/^[A-Za-z0-9_.-]+$/.test(job)) throw new UsageError(`--job ${job}: use letters, digits, '.', '_' and '-'`);
  const logPath = options.jobLog ? resolve(options.jobLog) : jobLogPath(job);
  // Every mistake the command line can hold is found before anything is written.
  if (options.local === undefined && !options.dryRun) parseEndpoint(settings.apiBase, settings.insecure);
  const transform = options.transform ? await loadTransform(options.transform) : undefined;
  const labels = options.annotations || options.sidecars
    ? await (await import("../upload/label-source.js")).loadLabels({ annotations: options.annotations, format: options.annotationsFormat, sidecars: options.sidecars, sourceRoot: command.root ?? process.cwd(), wholeSource: !command.resend })
    : undefined;
  // A job's log speaks for one place: read from its first line before anything is made.
  const recorded = jobLogHeader(logPath)?.target;
  if (recorded && !sameTarget(recorded, target)) {
    throw new UsageError(
      `job ${job} sent its inputs to ${placeOf(recorded)}; this run is for ${placeOf(target)}, of which the job's log knows nothing. Give this run its own --job (or --job-log), or remove ${logPath} to start the job over`,
    );
  }
  const localData = options.local === true ? defaultLocalDataDir() : options.local;
  checkRunPaths({ jobLog: { path: logPath, given: options.jobLog !== undefined }, failedOut: options.failedOut && resolve(options.failedOut), localDir: localData, reads: command.args });
  command = { ...command, candidates: skipOwnFiles(command.candidates, [logPath, `${logPath}.lock`, `${logPath}.lock.breaking`, ...INDEX_FILES.map((suffix) => `${logPath}${suffix}`), options.failedOut], command.root, [localData]) };
  const state = await replayJobLog(logPath, { create: !options.dryRun });

  const jobRef = options.jobLog ? logPath : job;
  const reporter = createReporter(uploadReporterOptions(global, { statusCommand: hintCommand("status", jobRef, global, options.local), target, readsTerminal: command.readsTerminal, dryRun: options.dryRun }));
  const bus = new EventBus();
  bus.on(reporter.listener);
  const failedOut = options.failedOut ? new FailedOutWriter(resolve(options.failedOut)) : undefined;
  if (failedOut) bus.on(failedOut.listener);

  let ended: JobRun;
  try {
    ended = await runUploadJob(
      {
        name: job,
        logPath,
        state,
        header: { job, command: command.name, args: command.args, target, options: savedOptions(raw, global) },
        plan: {
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
          idConflict: options.idConflict,
          maxProcessingAttempts: options.maxProcessingAttempts,
        },
        rps: options.rps,
        maxRetries: options.maxRetries,
        wait: options.wait,
        maxProcessingAttempts: options.maxProcessingAttempts,
      },
      {
        bus,
        note: (text) => reporter.note(text),
        interrupted: () => reporter.interrupted(),
        hint: (verb) => hintCommand(verb, jobRef, global, options.local, command.args.includes("-")),
        connect: jobConnector(global, options.local),
      },
    );
  } finally {
    failedOut?.close();
    reporter.close();
  }
  if (ended.message) reporter.problem(`stopped: ${ended.message}`);
  if (failedOut && failedOut.rows > 0) reporter.note(`${failedOut.rows} rejected or failed input(s) written to ${failedOut.path}`);
  if (failedOut?.incomplete) reporter.problem(`--failed-out ${failedOut.path}: ${failedOut.incomplete}`);
  if (ended.hint) reporter.note(ended.hint);
  // The summary is always the last thing written (the last line of --json).
  reporter.finish(ended.summary, options.dryRun);
  return ended.exitCode;
}

/**
 * The options a job log header keeps so that `resume` can run the job again: the upload
 * options and where to send them, never the PAT, and not how this run reported (--json, -q).
 */
export function savedOptions(raw: RawUploadOptions, global: GlobalOptions): Record<string, unknown> {
  const { pat: _pat, json: _json, quiet: _quiet, ...rest } = raw as RawUploadOptions & GlobalOptions;
  // Paths as they name files now, so that `resume` from another folder finds the same ones.
  const absolute = (path: string | undefined): string | undefined => (path === undefined ? undefined : resolve(path));
  return { ...rest, annotations: absolute(raw.annotations), transform: absolute(raw.transform), failedOut: absolute(raw.failedOut), api: global.api, user: global.user, app: global.app, context: global.context, insecure: global.insecure };
}
