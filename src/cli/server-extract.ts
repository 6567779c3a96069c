import { statSync } from "node:fs";
import type { Command } from "commander";
import { resolve } from "node:path";
import { UsageError } from "../errors.js";
import { runServerExtractJob } from "../jobs/server-extract-job.js";
import { chooseMode, createReporter } from "../report/reporter.js";
import { EventBus } from "../upload/events.js";
import { jobLogPath, replayJobLog } from "../upload/joblog.js";
import { inputTemplate } from "./cloud-commands.js";
import { checkRunPaths } from "./check-paths.js";
import { defaultLocalDataDir, jobConnector, settingsFor } from "./connect.js";
import type { GlobalOptions } from "./global-options.js";
import { deriveJobName } from "./job-name.js";
import { savedOptions } from "./run-upload.js";
import { parseSize, parseUploadOptions, type RawUploadOptions } from "./upload-options.js";

export interface ServerExtractFlags extends RawUploadOptions {
  partSize: string;
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
  // Every option is checked as for any upload (--rps abc is a usage error, not "no limit").
  const options = parseUploadOptions(flags);
  if (options.idConflict === "replace") throw new UsageError("--id-conflict replace: with --server-extract the platform resolves taken ids itself: fail or skip (it skips them and reports each), or suffix");
  const local = flags.local === undefined || flags.local === false ? undefined : flags.local;
  const settings = settingsFor(global, local);
  const target = { api: local !== undefined ? `local:${local === true ? "default" : resolve(local)}` : settings.apiBase, user: settings.userId ?? "", app: settings.appId ?? "", dataset: flags.dataset };
  const job = flags.job ?? deriveJobName(SERVER_EXTRACT_COMMAND, [path], target, { from: "path", prefix: "" });
  const logPath = flags.jobLog ? resolve(flags.jobLog) : jobLogPath(job);
  checkRunPaths({ jobLog: { path: logPath, given: flags.jobLog !== undefined }, localDir: local === true ? defaultLocalDataDir() : local });
  const state = await replayJobLog(logPath, { create: true });
  const reporter = createReporter({ mode: chooseMode(global), verbose: global.verbose ?? false });
  const bus = new EventBus();
  bus.on(reporter.listener);
  const ended = await runServerExtractJob(
    {
      name: job,
      logPath,
      state,
      header: { job, command: SERVER_EXTRACT_COMMAND, args: [path], target, options: savedOptions(flags, global) },
      archive: { path, size, fingerprint: `${size}:${Math.floor(mtimeMs)}` },
      partSize,
      concurrency: options.concurrency,
      rps: options.rps,
      maxRetries: options.maxRetries,
      template: inputTemplate(flags),
      suffixTakenIds: options.idConflict === "suffix",
      datasetId: flags.dataset,
      wait: options.wait,
    },
    {
      bus,
      note: (text) => reporter.note(text),
      connect: jobConnector(global, local),
    },
  );
  if (ended.hint) reporter.note(ended.hint);
  reporter.flush();
  const { summary } = ended;
  if (global.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else if (!global.quiet) process.stderr.write(`  job       ${job}\n  upload    ${summary.upload} (${summary.parts} parts)\n  outcome   ${summary.outcome}\n`);
  return ended.exitCode;
}

/** Upload options that mean nothing when the platform unpacks the archive and makes its inputs itself. */
const NOT_FOR_SERVER_EXTRACT = ["shard", "failedOut", "transform", "annotations", "annotationsFormat", "sidecars", "labelsFromFolder", "geo", "idFrom", "idPrefix", "batchSize", "batchBytes", "maxProcessingAttempts"];

/**
 * Refuses, never ignores, what is typed with --server-extract that it cannot honour (a
 * dry run that uploads, a shard that sends everything, a transform never run). Only what
 * is typed: a job's saved options are an earlier version's, which ignored them.
 */
export function refuseWhatDoesNotApply(command: Command): void {
  const typed = (key: string): boolean => command.getOptionValueSource(key) === "cli";
  if (typed("dryRun")) {
    throw new UsageError("--dry-run: with --server-extract the archive is sent whole and the platform unpacks it, so there is nothing to preview here; `zip ARCHIVE --dry-run` (without --server-extract) checks its entries here");
  }
  const given = NOT_FOR_SERVER_EXTRACT.filter(typed).map((key) => command.options.find((option) => option.attributeName() === key)?.long ?? key);
  if (given.length > 0) {
    throw new UsageError(
      `${given.join(", ")}: with --server-extract the platform unpacks the archive and makes its inputs itself, so ${given.length === 1 ? "this option does" : "these options do"} not apply (only --dataset, --concepts, --metadata and --id-conflict shape them); without --server-extract this tool reads the archive itself and honours ${given.length === 1 ? "it" : "them"}`,
    );
  }
}
