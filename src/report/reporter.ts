import { jsonString } from "../json-string.js";
import type { EventListener, InputStatus, UploadEvent } from "../upload/events.js";
import { bufferedLines } from "./buffered-lines.js";
import { colorAllowed, formatBytes, formatSeconds, namesFile, printable } from "./format.js";
import { listProcessingFailures } from "./processing-failures.js";
import { emptyProgress, PROBLEM_STATUSES, progressLine, progressLines, type Progress } from "./progress.js";
import type { Summary } from "./summary.js";
import { summaryTable, type Target } from "./summary.js";
import { TerminalWriter } from "./terminal.js";

export type ReportMode = "json" | "bars" | "lines" | "quiet";

export interface Reporter {
  readonly listener: EventListener;
  /** A message for the user (not an input outcome): resume hints, notices. */
  note(text: string): void;
  /** Why the run stopped short, or what it could not do: said even with --quiet. */
  problem(text: string): void;
  /** The first Ctrl-C: the walk stops where it is (the progress line says so; the caller says why). */
  interrupted(): void;
  finish(summary: Summary, dryRun: boolean): void;
  /** Writes out what is buffered for stdout (before writing to stdout directly). */
  flush(): void;
  /** Gives the terminal back (idempotent; finish does it too). */
  close(): void;
}

export interface ReporterOptions {
  mode: ReportMode;
  /**
   * Draw progress on stderr: bars on a terminal (also with --json, whose output is on
   * stdout), plain lines every few seconds otherwise. Commands with nothing to count
   * leave it off and only print their messages.
   */
  progress?: boolean;
  /** Every retry on its own line (otherwise they are counted on the progress line). */
  verbose?: boolean;
  /** Where the inputs go: shown in the summary. */
  target?: Target;
  /** The command that shows the job's state, as printed in hints (`clarifai-upload status JOB`). */
  statusCommand?: string;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
  /** Seconds between plain progress lines when stderr is not a terminal. */
  lineIntervalSeconds?: number;
  /** Every JSON line says `"dry_run": true`. */
  dryRun?: boolean;
}

/** The mode a user gets by default: JSON when asked, bars on a terminal, plain lines otherwise. */
export function chooseMode(flags: { json?: boolean; quiet?: boolean }, stderr: NodeJS.WriteStream = process.stderr): ReportMode {
  if (flags.json) return "json";
  if (flags.quiet) return "quiet";
  return canDrawBars(stderr) ? "bars" : "lines";
}

/** A terminal that can move its cursor (TERM=dumb cannot). */
function canDrawBars(stderr: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stderr.isTTY) && env.TERM !== "dumb";
}

/** The reporter options of an upload run, from the global flags. */
export function uploadReporterOptions(flags: { json?: boolean; quiet?: boolean; verbose?: boolean }, run: { statusCommand: string; target?: Target; readsTerminal?: boolean; dryRun?: boolean }): ReporterOptions {
  const mode = chooseMode(flags);
  // Bars redrawn under what a person types would garble both.
  return { mode: run.readsTerminal && mode === "bars" ? "lines" : mode, progress: !flags.quiet && !run.readsTerminal, verbose: flags.verbose ?? false, statusCommand: run.statusCommand, target: run.target, dryRun: run.dryRun };
}

/** Most inputs that failed processing listed by name at the end of a --wait run. */
const LISTED_PROCESSING_FAILURES = 20;

export function createReporter(options: ReporterOptions): Reporter {
  const json = options.mode === "json";
  const stdout = bufferedLines(options.stdout ?? process.stdout);
  const stderr = options.stderr ?? process.stderr;
  const progress: Progress = emptyProgress();
  const started = Date.now();
  const color = colorAllowed(stderr);
  const paint = (code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const processingFailures: Array<{ source: string; message: string }> = [];
  let lastProcessingLine = "";

  // With --json on the same terminal, bars redrawn under the lines would erase them.
  const jsonOnTerminal = json && Boolean(((options.stdout ?? process.stdout) as { isTTY?: boolean }).isTTY);
  const drawBars = options.progress === true && canDrawBars(stderr) && options.mode !== "quiet" && !jsonOnTerminal;
  const terminal = drawBars ? new TerminalWriter(stderr) : undefined;
  terminal?.start();
  /** Lines for the person at stderr (with --json only when it is a terminal). */
  const humanOnStderr = !json || drawBars;
  const say = (line: string): void => {
    if (terminal) terminal.print(printable(line));
    else stderr.write(`${printable(line)}\n`);
  };
  let timer: NodeJS.Timeout | undefined;
  if (options.progress && !drawBars && options.mode === "lines") {
    timer = setInterval(() => say(progressLine(snapshot())), (options.lineIntervalSeconds ?? 5) * 1000);
    timer.unref();
  }

  function snapshot(): Progress {
    progress.seconds = (Date.now() - started) / 1000;
    return progress;
  }
  const count = (status: string, by: number): void => {
    progress.statuses[status] = (progress.statuses[status] ?? 0) + by;
  };
  terminal?.follow(() => progressLines(snapshot(), stderr.columns || 80));
  const redraw = (): void => terminal?.invalidate();
  const emit = (value: object): void => stdout.write(`${JSON.stringify(value)}\n`);

  const listener = (event: UploadEvent): void => {
    switch (event.type) {
      case "discovered":
        progress.discovered++;
        break;
      case "walk_done":
        if (progress.walk === "walking") progress.walk = "done";
        break;
      case "skipped":
        progress.done++;
        count("present", 1);
        if (json) stdout.write(inputLine(event.id, event.source, "present", "unchanged_since_last_run", undefined, options.dryRun));
        break;
      case "input":
        if (event.processing) {
          // Sent by this run and counted once already, as uploaded: now it is known to have failed.
          count("uploaded", -1);
          count("failed", 1);
        } else {
          progress.done++;
          count(event.status, 1);
          progress.bytes += event.bytes;
        }
        if (event.reason === "processing_failed") processingFailures.push({ source: event.source, message: event.message ?? "" });
        if (json) stdout.write(inputLine(event.id, event.source, event.status, event.reason, event.message, options.dryRun));
        else if (PROBLEM_STATUSES.has(event.status) && event.reason !== "processing_failed" && event.reason !== "unreachable") {
          say(`${paint("31", "!")} ${event.status} [${event.reason}] ${namesFile(event.message, event.source)}`);
        }
        break;
      case "warning":
        if (json) emit({ event: "warning", source: event.source, message: event.message });
        else if (options.mode !== "quiet") say(`${paint("33", "~")} ${event.message}`);
        break;
      case "annotation_failed":
        if (json) emit({ event: "annotation", status: "failed", source: event.source, message: event.message });
        else say(`${paint("31", "!")} annotation refused: ${event.message}`);
        break;
      case "retry":
        progress.retries++;
        if (json) emit({ event: "retry", attempt: event.attempt, delay_ms: event.delayMs, message: event.message });
        // Counted on the progress line; each said on its own line with -v, or where no progress is shown.
        else if (options.verbose || (!options.progress && options.mode !== "quiet")) say(`${paint("33", "~")} retry ${event.attempt} in ${event.delayMs} ms: ${event.message}`);
        break;
      case "processing": {
        progress.processing = { success: event.success, failed: event.failed, pending: event.pending + event.inProgress };
        if (json) emit({ event: "processing", pending: event.pending, in_progress: event.inProgress, success: event.success, failed: event.failed });
        const line = `processing: ${event.success} done, ${event.failed} failed, ${event.pending + event.inProgress} pending`;
        if (!json && !terminal && options.mode !== "quiet" && line !== lastProcessingLine) say(line);
        lastProcessingLine = line;
        break;
      }
      case "batch":
        // With --verbose, a line per request: when it was answered, how much it carried.
        if (options.verbose && !json) say(`  batch ${event.seq}: ${event.inputs} input${event.inputs === 1 ? "" : "s"}, ${formatBytes(event.bytes)}, answered at ${formatSeconds((Date.now() - started) / 1000)}`);
        break;
    }
    redraw();
  };

  const close = (): void => {
    if (timer) clearInterval(timer);
    timer = undefined;
    if (terminal) {
      redraw();
      terminal.stop();
    }
  };

  return {
    listener,
    flush: () => stdout.flush(),
    close,
    note(text: string): void {
      if (json) emit({ event: "note", message: text });
      if (humanOnStderr && options.mode !== "quiet") say(text);
    },
    problem(text: string): void {
      if (json) emit({ event: "note", message: text });
      if (humanOnStderr) say(text);
    },
    interrupted(): void {
      if (progress.walk === "walking") progress.walk = "stopped";
    },
    finish(summary: Summary, dryRun: boolean): void {
      if (!json && processingFailures.length > 0) {
        for (const line of listProcessingFailures(processingFailures, LISTED_PROCESSING_FAILURES, options.statusCommand ?? `clarifai-upload status ${summary.job}`)) say(line);
      }
      close();
      if (json) emit(options.target ? { ...summary, target: options.target } : summary);
      else if (options.mode !== "quiet") stderr.write(`${dryRun ? "dry run, nothing sent:\n" : ""}${summaryTable(summary, dryRun, options.target)}\n`);
      stdout.flush();
    },
  };
}

/**
 * An input's JSON line, as JSON.stringify would write `{event, id, source, status, reason,
 * message, dry_run}` (absent fields left out), without building the object: it is written
 * once per input. Every line of a dry run says so, so that a script cannot take a
 * preview for a run.
 */
export function inputLine(id: string | undefined, source: string, status: InputStatus, reason: string | undefined, message: string | undefined, dryRun: boolean | undefined): string {
  const idPart = id === undefined ? "" : `,"id":${jsonString(id)}`;
  const reasonPart = reason === undefined ? "" : `,"reason":${jsonString(reason)}`;
  const messagePart = message === undefined ? "" : `,"message":${jsonString(message)}`;
  return `{"event":"input"${idPart},"source":${jsonString(source)},"status":"${status}"${reasonPart}${messagePart}${dryRun ? `,"dry_run":true` : ""}}\n`;
}
