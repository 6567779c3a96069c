import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { Command } from "commander";
import { UsageError } from "../errors.js";
import { DEFAULT_RATE_LIMIT_RPS } from "../validate/limits.js";
import { fileByteSource, fileFingerprint } from "../sources/file-bytes.js";
import type { Candidate, SourceReport } from "../sources/candidate.js";
import { inGroups, keepEach, type CandidateGroups } from "../sources/groups.js";
import { defaultJobsDir, jobLogPath, listJobs, replayJobLog, type JobHeader, type JobState } from "../upload/joblog.js";
import { countInputs, describeProblem, lastRunProblem, problemRecords, type JobCounts } from "../upload/job-counts.js";
import { splitFingerprint } from "../upload/previous-state.js";
import { callerFor } from "../upload/caller-for.js";
import { checkJobStatus, type JobStatus } from "../jobs/job-status.js";
import type { ResendSet } from "../jobs/resend-set.js";
import { EXIT } from "../report/exit-codes.js";
import { printable } from "../report/format.js";
import { describeTarget } from "../report/summary.js";
import { statSync } from "node:fs";
import { jobLogHeader } from "./check-paths.js";
import { connect } from "./connect.js";
import { hintCommand } from "./hints.js";
import type { GlobalOptions } from "./global-options.js";
import { localFolderOf, runUploadCommand, type UploadCommand } from "./run-upload.js";
import { uploadCommandFor, type CommandRunner } from "./upload-commands.js";
import type { RawUploadOptions } from "./upload-options.js";
import { runServerExtract, SERVER_EXTRACT_COMMAND, type ServerExtractFlags } from "./server-extract.js";

/** A job name, or a path to a job log file. */
async function openJob(nameOrPath: string): Promise<{ path: string; state: JobState; header: JobHeader }> {
  // `status "$(clarifai-upload log list --json | head -1 | jq -r .job)"` before any job.
  if (nameOrPath.trim() === "") throw new UsageError(`the job name is empty: is there a job yet? see: clarifai-upload log list (jobs are in ${defaultJobsDir()})`);
  // Job names have no "/": anything with one (or an existing *.jsonl) is a path.
  const path = nameOrPath.includes("/") || (existsSync(nameOrPath) && nameOrPath.endsWith(".jsonl")) ? resolve(nameOrPath) : jobLogPath(nameOrPath);
  if (!existsSync(path)) throw new UsageError(`no job ${nameOrPath} (looked for ${path}); see: clarifai-upload log list`);
  // Read only what is a job log: opening one writes its index beside it (never beside a
  // device, a FIFO, an empty file or any other file named by mistake).
  if (statSync(path).isDirectory()) throw new UsageError(`${path}: cannot open the job log (EISDIR)`);
  if (jobLogHeader(path) === undefined) throw new UsageError(`${path}: not a job log of this tool`);
  const state = await replayJobLog(path);
  if (!state.header) throw new UsageError(`${path}: no header record; not a job log of this tool`);
  return { path, state, header: state.header };
}

/** The header's saved options, with the global ones given now taking precedence. */
function savedGlobals(header: JobHeader, now: GlobalOptions): GlobalOptions {
  const saved = header.options as GlobalOptions;
  // The job's log speaks for the user and app it sent to: another is refused, and when
  // none is given it is that one, not whatever the environment names now.
  const { user, app } = header.target;
  if ((now.user !== undefined && user && now.user !== user) || (now.app !== undefined && app && now.app !== app)) {
    throw new UsageError(`job ${header.job} sent its inputs to app ${app} (user ${user}); its log knows nothing of app ${now.app ?? app} (user ${now.user ?? user})`);
  }
  // Likewise the API the job sent to (an embedded server's is its data folder: see savedLocal).
  const api = localFolderOf(header.target.api) !== undefined ? saved.api : header.target.api || saved.api;
  return { ...now, api: now.api ?? api, user: now.user ?? (user || saved.user), app: now.app ?? (app || saved.app), context: now.context ?? saved.context, insecure: now.insecure ?? saved.insecure };
}

/**
 * The embedded server a `--local` job sent to, as its target recorded it (the folder made
 * absolute): a relative `--local ./data` means another folder from another working directory.
 */
function savedLocal(header: JobHeader): string | true | undefined {
  return localFolderOf(header.target.api);
}

/** Problems `log show` lists without --json; it counts the rest. */
const SHOWN_PROBLEMS = 50;

function write(global: GlobalOptions, value: object, text: string): void {
  process.stdout.write(global.json ? `${JSON.stringify(value)}\n` : `${printable(text)}\n`);
}

/** What `resume` takes beside the job: when to wait, and how this run sends. */
interface ResumeFlags {
  wait?: boolean;
  dryRun?: boolean;
  concurrency?: string;
  rps?: string;
  maxRetries?: string;
}

export function jobCommands(runner: CommandRunner): Command[] {
  const resume = new Command("resume")
    .description("run a job again from its job log: sends only what is new, changed or failed")
    .argument("<job>", "job name (see: log list) or job log path")
    .option("--wait", "follow processing (or the platform's extraction) after sending, whatever the job was started with")
    .option("--dry-run", "say what this run would send, and send nothing")
    .option("--concurrency <n>", "requests in flight, 1 to 64, for this run (default: as the job began)")
    .option("--rps <n>", "requests per second at most (0: no limit), for this run (default: as the job began)")
    .option("--max-retries <n>", "retries of a request or input that failed transiently, for this run (default: as the job began)")
    .action(async (job: string, flags: ResumeFlags, command: Command) => {
      await runner(async () => {
        const { header, path } = await openJob(job);
        const saved = header.options as unknown as RawUploadOptions;
        // How fast and how persistently to send may change from run to run; what is sent may not.
        const pace = { concurrency: flags.concurrency ?? saved.concurrency, rps: flags.rps ?? saved.rps, maxRetries: flags.maxRetries ?? saved.maxRetries };
        const options = { ...saved, ...pace, local: savedLocal(header), wait: flags.wait || saved.wait, dryRun: flags.dryRun || saved.dryRun, job: header.job, jobLog: ownLogPath(header, path) };
        const global = savedGlobals(header, command.optsWithGlobals<GlobalOptions>());
        if (header.command === SERVER_EXTRACT_COMMAND) {
          if (flags.dryRun) throw new UsageError("--dry-run: this job sends an archive whole for the platform to unpack, so there is nothing to preview here");
          return runServerExtract(header.args[0], options as ServerExtractFlags, global);
        }
        return runUploadCommand(uploadCommandFor(header.command, header.args, header.options), options, global);
      });
    });

  const log = new Command("log").description("list job logs, or show one");
  log
    .command("list")
    .description("list jobs, newest first")
    .action(async (_flags: object, command: Command) => {
      await runner(async () => {
        const global = command.optsWithGlobals<GlobalOptions>();
        let unreadable = 0;
        const listings = listJobs();
        // Said on stderr, so that a script reading stdout finds no job in it.
        if (listings.length === 0 && !global.quiet) process.stderr.write(`no jobs yet in ${defaultJobsDir()}\n`);
        for (const listing of listings) {
          let state: JobState;
          try {
            if (listing.unreadable) throw new UsageError(`${listing.path}: ${listing.unreadable}`);
            // Only job logs: an empty file or another tool's is not listed, and nothing is written beside it.
            if (jobLogHeader(listing.path) === undefined) continue;
            state = await replayJobLog(listing.path);
          } catch (error) {
            // One job that cannot be read does not hide the others.
            if (!(error instanceof UsageError)) throw error;
            unreadable++;
            write(global, { event: "job", job: listing.job, path: listing.path, error: error.message }, `${listing.job}  ${error.message}`);
            continue;
          }
          const counts = countInputs(state);
          const header = state.header;
          write(
            global,
            { event: "job", job: listing.job, path: listing.path, modified: listing.modified.toISOString(), command: header?.command, source: header?.args, shard: header ? shardOfJob(header) : undefined, target: header?.target, runs: state.ends.length, ...counts },
            `${listing.job}  ${listing.modified.toISOString()}  ${header ? commandOf(header) : "?"}  -> ${header ? describeTarget(header.target) : "?"}  ${countsLine(counts)}`,
          );
          state.latest.close();
        }
        return unreadable > 0 ? EXIT.someFailed : EXIT.ok;
      });
    });
  log
    .command("show")
    .description("show one job: its source, target, runs and counts")
    .argument("<job>", "job name or job log path")
    .action(async (job: string, _flags: object, command: Command) => {
      await runner(async () => {
        const global = command.optsWithGlobals<GlobalOptions>();
        const { header, state, path } = await openJob(job);
        const counts = countInputs(state);
        const lastRun = lastRunOf(header, state, path, global);
        if (global.json) {
          // One object whose problems, the last field, are written as they are read: a job
          // of millions of failures is never held in memory.
          const job = JSON.stringify({ event: "job", job: header.job, path, header, runs: state.ends.map((end) => end.summary), batches: state.batches, corrupt_lines: state.corruptLines, ...counts, ...(lastRun ? { last_run: lastRun } : {}) });
          process.stdout.write(`${job.slice(0, -1)},"problems":[`);
          let first = true;
          for (const record of problemRecords(state)) {
            process.stdout.write(`${first ? "" : ","}${JSON.stringify(describeProblem(record))}`);
            first = false;
          }
          process.stdout.write("]}\n");
          return problemsIn(counts) > 0 || lastRun ? EXIT.someFailed : EXIT.ok;
        }
        const problems = problemRecords(state, SHOWN_PROBLEMS);
        const problemCount = problemsIn(counts);
        const lines = [
          `job        ${header.job}`,
          `log        ${path}`,
          `command    ${commandOf(header)}`,
          `target     ${describeTarget(header.target)}`,
          `runs       ${Math.max(state.ends.length, state.begun.length)} (${state.batches} batches)`,
          `inputs     ${countsLine(counts)}`,
        ];
        if (lastRun) lines.push(`  ! ${lastRun}`);
        if (state.corruptLines > 0) lines.push(`note       ${state.corruptLines} unreadable line(s) ignored`);
        let shown = 0;
        for (const record of problems) {
          const problem = describeProblem(record);
          lines.push(`  ! ${problem.status} [${problem.reason}] ${problem.message}`);
          if (++shown === SHOWN_PROBLEMS) break;
        }
        if (problemCount > shown) lines.push(`  ... and ${problemCount - shown} more (see --json)`);
        process.stdout.write(`${lines.map(printable).join("\n")}\n`);
        return problemCount > 0 || lastRun ? EXIT.someFailed : EXIT.ok;
      });
    });

  const status = new Command("status")
    .description("reconcile a job with the server: are the inputs it sent processed, pending, failed or missing?")
    .argument("<job>", "job name or job log path")
    .option("--retry", "re-send the inputs that failed processing or are missing, from their sources")
    .action(async (job: string, flags: { retry?: boolean }, command: Command) => {
      await runner(async () => {
        const { header, state, path } = await openJob(job);
        const global = savedGlobals(header, command.optsWithGlobals<GlobalOptions>());
        const saved = header.options as unknown as RawUploadOptions;
        const connection = await connect(global, savedLocal(header));
        let checked: JobStatus;
        try {
          // As fast as the job was allowed to send.
          const caller = callerFor(connection.client, { rps: parseRps(saved.rps), maxRetries: saved.maxRetries === undefined ? undefined : Number(saved.maxRetries) });
          checked = await checkJobStatus(caller, { path, job: header.job, state });
        } finally {
          await connection.close();
        }
        const { counts, onServer } = checked;
        const out = command.optsWithGlobals<GlobalOptions>();
        write(
          out,
          { event: "status", job: header.job, acknowledged: onServer, ...counts },
          // Counted by source: two files of the same content under one id (--id-from hash) are one input there.
          `job ${header.job}: ${onServer} acknowledged (files, entries, rows or URLs) looked up: ${counts.processed} processed, ${counts.pending} pending, ${counts.failed} failed processing, ${counts.missing} missing${counts.kept > 0 ? `, ${counts.kept} kept (the server's own content under their ids)` : ""}${counts.regions_pending > 0 ? `, ${counts.regions_pending} with regions not stored yet` : ""}; never got in: ${counts.rejected} rejected, ${counts.not_sent} failed, ${counts.conflicts} id conflicts`,
        );
        for (const line of checked.lines) write(out, { event: "input", ...line }, `  ${line.status === "pending" ? "~" : "!"} ${line.status} ${line.id ?? ""} ${line.message}`);
        const lastRun = lastRunOf(header, state, path, global);
        if (lastRun) write(out, { event: "note", message: lastRun }, `  ! ${lastRun}`);
        // What never got in, regions not stored yet and files a stopped run never reached are a re-run's to send.
        const reRunsToSend = counts.rejected + counts.not_sent + counts.conflicts + counts.regions_pending > 0 || lastRun !== undefined;
        if (!flags.retry) return reRunsToSend || counts.failed + counts.missing > 0 ? EXIT.someFailed : EXIT.ok;
        // --retry sends again what failed processing or went missing; what never got in is a
        // re-run's to send (or the user's to fix), and still makes the check fail.
        const { toResend } = checked;
        try {
          // Not into the job's --failed-out: it holds the whole job's failures, and would be written over with these few.
          const options = { ...saved, failedOut: undefined, local: savedLocal(header), job: header.job, jobLog: ownLogPath(header, path) };
          const resent = toResend.size === 0 ? EXIT.ok : await runUploadCommand(resendCommand(header, toResend), options, global);
          return resent !== EXIT.ok ? resent : reRunsToSend ? EXIT.someFailed : EXIT.ok;
        } finally {
          toResend.close();
        }
      });
    });

  return [resume, log, status];
}

/** A job's command and sources, with its shard: the `--shard` jobs of one folder differ by it alone. */
function commandOf(header: JobHeader): string {
  const shard = shardOfJob(header);
  return `${header.command} ${header.args.join(" ")}${shard ? ` --shard ${shard}` : ""}`;
}

function shardOfJob(header: JobHeader): string | undefined {
  const shard = (header.options as { shard?: unknown }).shard;
  return typeof shard === "string" ? shard : undefined;
}

function countsLine(counts: JobCounts): string {
  const parts = [`${counts.acknowledged} acknowledged (${counts.uploaded} uploaded, ${counts.present} already present, ${counts.processed} processed${counts.kept ? `, ${counts.kept} kept` : ""})`];
  parts.push(`${counts.processing_failed} failed processing`, `${counts.missing} missing`, `${counts.failed} failed`, `${counts.rejected} rejected`, `${counts.conflicts} id conflicts`);
  if (counts.regions_pending > 0) parts.push(`${counts.regions_pending} with regions not stored yet`);
  return parts.join(", ");
}

function parseRps(saved: string | undefined): number {
  const rps = Number(saved ?? DEFAULT_RATE_LIMIT_RPS);
  return Number.isFinite(rps) && rps >= 0 ? rps : DEFAULT_RATE_LIMIT_RPS;
}

/**
 * What `status --retry` sends: the given inputs, under their old ids, made as the job
 * made them: its folder, file list, URL list, archive or manifest is read again and only
 * those inputs are kept (so entries of archives and rows of manifests can be re-sent
 * too). A job that read its list from stdin cannot be read again: its files and URLs are
 * taken from the sources the log recorded.
 */
function resendCommand(header: JobHeader, records: ResendSet): UploadCommand {
  let original: UploadCommand;
  try {
    original = uploadCommandFor(header.command, header.args, header.options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return { name: header.command, args: header.args, candidates: () => inGroups(recordedSources(records)), resend: true };
  }
  // A manifest's sources are its lines: a line whose row changed holds another input now.
  const byPlace = header.command === "manifest";
  return { ...original, candidates: (report) => onlyThese(records, original.candidates, report, byPlace), resend: true };
}

/**
 * The candidates of `records` among those `source` makes; a record whose source is gone
 * is rejected, not lost. With `byPlace` (a manifest's lines), a source whose content
 * changed since it was sent is gone too: sending what it holds now under the old id
 * would put another row's content there.
 */
async function* onlyThese(wanted: ResendSet, source: UploadCommand["candidates"], report: SourceReport, byPlace = false): CandidateGroups {
  // What the source says of the inputs not being re-sent was said by the runs that sent them.
  const quiet: SourceReport = {
    rejected(from, reason, message) {
      if (wanted.take(from) === undefined) return;
      report.rejected(from, reason, message);
    },
    warning(from, message) {
      if (wanted.has(from)) report.warning(from, message);
    },
  };
  yield* keepEach(source(quiet), (candidate) => {
    const record = wanted.take(candidate.source);
    if (record === undefined) return undefined;
    if (byPlace && splitFingerprint(candidate.fingerprint).content !== splitFingerprint(record.fingerprint).content) {
      report.rejected(candidate.source, "source_gone", `${candidate.source}: holds another row (or the row's file changed) since input ${record.id} was sent from it; it is not sent again under that id: run the manifest again`);
      return undefined;
    }
    return { ...candidate, id: record.id };
  });
  for (const { source: gone } of wanted.remaining()) report.rejected(gone, "source_gone", `${gone}: no longer found in the job's source; it cannot be sent again`);
}

/** Candidates for inputs to send again under their old ids, from the sources the log recorded. */
async function* recordedSources(records: ResendSet): AsyncGenerator<Candidate> {
  for (const record of records.remaining()) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(record.source)) {
      yield { source: record.source, relPath: record.source, id: record.id, content: { kind: "url", url: record.source }, fingerprint: record.fingerprint };
      continue;
    }
    let size = 0;
    let mtimeMs = 0;
    try {
      const stats = statSync(record.source);
      size = stats.size;
      mtimeMs = stats.mtimeMs;
    } catch {
      // Validation reports the file as unreadable.
    }
    yield { source: record.source, relPath: record.source, id: record.id, content: { kind: "bytes", bytes: fileByteSource(record.source, size) }, fingerprint: fileFingerprint(size, mtimeMs) };
  }
}

/** What the job's last run left undone, if anything, with the command that resumes it as printed hints name it. */
function lastRunOf(header: JobHeader, state: JobState, path: string, global: GlobalOptions): string | undefined {
  return lastRunProblem(state, path, `Resume it: ${hintCommand("resume", ownLogPath(header, path) ?? header.job, global, savedLocal(header))}`);
}

/** The log's path when it is not where the job's name puts it (hints then name the path, not the job). */
function ownLogPath(header: JobHeader, path: string): string | undefined {
  return path === jobLogPath(header.job) ? undefined : path;
}

/** Inputs a job's log names as not settled: failed processing, found missing, failed, rejected, in conflict, regions not stored. */
function problemsIn(counts: JobCounts): number {
  return counts.processing_failed + counts.missing + counts.failed + counts.rejected + counts.conflicts + counts.regions_pending;
}
