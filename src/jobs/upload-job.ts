import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { Caller } from "../api/caller.js";
import type { ClarifaiClient } from "../api/client.js";
import { callerFor } from "../upload/caller-for.js";
import { ensureDataset } from "../upload/dataset.js";
import type { EventBus } from "../upload/events.js";
import { JobLock } from "../upload/job-lock.js";
import { jobLogRecorder } from "../upload/job-log-recorder.js";
import { JOB_LOG_VERSION, JobLogWriter, type EndRecord, type JobHeader, type JobState } from "../upload/joblog.js";
import { runUpload, type RunResult, type UploadPlan } from "../upload/pipeline.js";
import { RunStats, type RunTotals } from "../upload/run-stats.js";
import { onInterrupt } from "../upload/signals.js";
import { exitCodeFor } from "../report/exit-codes.js";
import { summarize, type Summary } from "../report/summary.js";
import { ProcessingWait, type WaitEnd } from "./wait.js";
import { FILE_SOURCE_COMMANDS, UnmetProblems } from "../upload/unmet-problems.js";

/** A job to run: where its log is, what its header says, and the run's plan. */
export interface UploadJob {
  name: string;
  logPath: string;
  /** The job as it replayed from its log (empty for a new job). */
  state: JobState;
  header: Omit<JobHeader, "type" | "version" | "created">;
  plan: UploadPlan;
  rps: number;
  maxRetries: number;
  wait: boolean;
  maxProcessingAttempts: number;
}

/** A job's connection: the client, how to close it, and the embedded server's address with --local. */
export interface JobConnection {
  client: ClarifaiClient;
  close(): Promise<void>;
  localAddress?: string;
}

/** What the job talks to and through: the CLI gives these. */
export interface JobIo {
  bus: EventBus;
  /** A line for the user (notes, hints). */
  note(text: string): void;
  /** The first Ctrl-C: the reporter stops counting the walk as going on. */
  interrupted?(): void;
  /** A command to print in a hint, as it works when typed (by default `clarifai-upload VERB JOB`). */
  hint?(verb: "resume" | "status"): string;
  /** Opens the connection (not called for a dry run). */
  connect(): Promise<JobConnection>;
}

export interface JobRun extends RunResult {
  totals: RunTotals;
  summary: Summary;
  exitCode: number;
  /** What the user should run next, if anything (a resume or status command). */
  hint?: string;
}

/**
 * One run of an upload job, from lock to summary: takes the job's lock, writes its
 * header, connects, runs the pipeline with the job log, the run's stats and the
 * reporters listening to the same events, follows processing with `--wait`, and
 * records how the run ended. A dry run takes no lock, makes no call and writes nothing.
 */
export async function runUploadJob(job: UploadJob, io: JobIo): Promise<JobRun> {
  const started = performance.now();
  const { bus } = io;
  const dryRun = job.plan.dryRun;
  const stats = new RunStats();
  bus.on(stats.listener);
  const wait = job.wait && !dryRun ? new ProcessingWait(bus, job.maxProcessingAttempts) : undefined;
  if (wait) bus.on(wait.listener);
  // Only a run of the whole source can tell that a file is gone from it.
  const unmet = dryRun || job.plan.resend || !FILE_SOURCE_COMMANDS.has(job.header.command) ? undefined : new UnmetProblems(job.state);
  if (unmet?.following) bus.on(unmet.listener);
  if (job.state.corruptLines > 0) io.note(`job log ${job.logPath}: ${job.state.corruptLines} unreadable line(s) ignored (a torn last line after a crash is expected)`);

  let connection: JobConnection | undefined;
  let writer: JobLogWriter | undefined;
  if (!dryRun) mkdirSync(dirname(job.logPath), { recursive: true });
  const lock = dryRun ? undefined : JobLock.acquire(job.logPath, job.name);
  const interrupt = onInterrupt(
    () => {
      io.interrupted?.();
      io.note("stopping: finishing the batches in flight (Ctrl-C again to cancel them)");
    },
    () => io.note("cancelling the calls in flight"),
  );
  const run = new Date().toISOString();
  /** How sending ended, once it has: an error after it (while following processing) does not undo it. */
  let sent: string | undefined;
  let waiting = false;
  try {
    let caller: Caller | undefined;
    if (!dryRun) {
      connection = await io.connect();
      caller = callerFor(connection.client, { rps: job.rps, maxRetries: job.maxRetries, bus, cancel: interrupt.cancel, stop: interrupt.signal });
      if (connection.localAddress) io.note(`local server: ${connection.localAddress}, user ${job.header.target.user}, app ${job.header.target.app}`);
      const dataset = job.plan.defaults.datasetId;
      if (dataset && (await ensureDataset(caller, dataset)) === "created") io.note(`created dataset ${dataset}`);
      // A log that cannot be written (a full disk) stops the run as a first Ctrl-C does:
      // what is sent from then on could not be recorded.
      writer = new JobLogWriter(job.logPath, job.state.latest, (why) => {
        io.note(`${why}: stopping as on Ctrl-C`);
        interrupt.stop();
      });
      if (!job.state.header) writer.append({ type: "header", version: JOB_LOG_VERSION, created: new Date().toISOString(), ...job.header });
      writer.append({ type: "begin", run, ...(job.plan.resend ? { resend: true as const } : {}) });
      writer.sync();
      bus.on(jobLogRecorder(writer, run));
    }
    const result = await runUpload(job.plan, { caller, bus, state: job.state, stop: interrupt.signal });
    sent = result.outcome;
    const gone = unmet && writer && result.outcome === "done" && !interrupt.signal.aborted ? unmet.gone() : [];
    if (gone.length > 0) {
      for (const source of gone) writer?.append({ type: "gone", source, run });
      io.note(`${gone.length} file(s) this job reported as not got in no longer exist: no longer counted`);
    }
    if (result.addJobId) writer?.append({ type: "run", run, started: run, addJob: result.addJobId });
    let waitEnd: WaitEnd = { ended: "done" };
    if (wait && caller && result.addJobId && result.outcome === "done" && wait.uploaded > 0) {
      // Following processing reads what is known even after a first Ctrl-C: its calls are
      // tried again as usual (a second Ctrl-C cancels them).
      const following = callerFor(caller.client, { rps: job.rps, maxRetries: job.maxRetries, bus, cancel: interrupt.cancel });
      waiting = true;
      waitEnd = await wait.follow(following, result.addJobId, interrupt.signal);
      waiting = false;
      // Everything was sent; only the watching stopped: the run is cut short, the job is not.
      if (waitEnd.ended !== "done") result.outcome = waitEnd.ended;
      if (waitEnd.ended === "unreachable") result.message = `could not follow processing: ${waitEnd.message}`;
    }

    if (writer?.failed) result.message = `${writer.failed}; inputs sent since its last record are found present by the next run, once there is room`;
    const counted = { ...result, totals: stats.totals };
    const summary = summarize(job.name, counted, (performance.now() - started) / 1000, dryRun);
    const ended: JobRun = { ...counted, summary, exitCode: exitCodeFor(counted) };
    if (waitEnd.ended !== "done") ended.hint = `stopped waiting; processing goes on. Check with: ${io.hint?.("status") ?? `clarifai-upload status ${job.name}`}`;
    else if (!dryRun && (result.outcome === "interrupted" || result.outcome === "unreachable")) ended.hint = `resume with: ${io.hint?.("resume") ?? `clarifai-upload resume ${job.name}`}`;
    else if (!dryRun && !job.wait && stats.totals.uploaded > 0) ended.hint = `inputs are processed in the background; check with: ${io.hint?.("status") ?? `clarifai-upload status ${job.name}`}`;
    writer?.append(endRecord(run, sent, summary, waitEnd.ended !== "done" ? { waited: waitEnd.ended } : {}));
    return ended;
  } catch (error) {
    // Said in the log too: a run that ended on an error was not killed.
    if (writer && !writer.failed) {
      const summary = summarize(job.name, { outcome: "done", totals: stats.totals }, (performance.now() - started) / 1000, dryRun);
      // While following processing, the error ends the waiting, not what was sent.
      const after = waiting ? { waited: "error" } : {};
      writer.append(endRecord(run, waiting && sent ? sent : "error", summary, { ...after, message: (error as Error).message }));
    }
    throw error;
  } finally {
    interrupt.remove();
    // Each step whatever the one before did: a log that cannot be closed (EIO) still lets the lock go.
    try {
      writer?.close();
    } finally {
      try {
        lock?.release();
      } finally {
        await connection?.close();
      }
    }
  }
}

/**
 * A run's end as its log keeps it: how sending ended (`outcome`, in the summary too), and
 * apart from it a wait for processing cut short and the error that ended the run.
 */
function endRecord(run: string, outcome: string, summary: Summary, after: { waited?: string; message?: string } = {}): EndRecord {
  const logged: Record<string, number | string | boolean> = { ...summary, outcome };
  if (after.waited) logged.waited = after.waited;
  return { type: "end", run, ended: new Date().toISOString(), outcome, summary: logged, ...after };
}
