import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { EventListener, InputStatus, UploadEvent } from "../upload/events.js";
import { colorAllowed, formatBytes, formatSeconds } from "./format.js";
import type { Summary } from "./summary.js";
import { summaryTable } from "./summary.js";

export type ReportMode = "json" | "bars" | "lines" | "quiet";

export interface Reporter {
  readonly listener: EventListener;
  /** A message for the user (not an input outcome): resume hints, notices. */
  note(text: string): void;
  finish(summary: Summary, dryRun: boolean): void;
  /** Writes out what is buffered for stdout (before writing to stdout directly). */
  flush(): void;
}

export interface ReporterOptions {
  mode: ReportMode;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WriteStream;
  /** Seconds between plain progress lines when stderr is not a terminal. */
  lineIntervalSeconds?: number;
  /** Every JSON line says `"dry_run": true`, so a script cannot take a preview for a run. */
  dryRun?: boolean;
}

/** The mode a user gets by default: JSON when asked, bars on a terminal, plain lines otherwise. */
export function chooseMode(flags: { json?: boolean; quiet?: boolean }, stderr: NodeJS.WriteStream = process.stderr): ReportMode {
  if (flags.json) return "json";
  if (flags.quiet) return "quiet";
  return stderr.isTTY ? "bars" : "lines";
}

interface Counters extends Record<InputStatus, number> {
  discovered: number;
  done: number;
  bytes: number;
  walkDone: boolean;
}

export function createReporter(options: ReporterOptions): Reporter {
  const stdout = bufferedLines(options.stdout ?? process.stdout);
  const stderr = options.stderr ?? process.stderr;
  const counters: Counters = { discovered: 0, done: 0, uploaded: 0, would_upload: 0, present: 0, kept: 0, conflict: 0, rejected: 0, failed: 0, skipped: 0, bytes: 0, walkDone: false };
  const dry = options.dryRun ? { dry_run: true } : {};
  const started = Date.now();
  const color = colorAllowed(stderr);
  const paint = (code: string, text: string): string => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

  let bars: { multi: MultiBar; walk: SingleBar; send: SingleBar } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const say = (line: string): void => {
    if (bars) bars.multi.log(`${line}\n`);
    else stderr.write(`${line}\n`);
  };

  if (options.mode === "bars") {
    const multi = new MultiBar(
      { clearOnComplete: false, hideCursor: true, etaBuffer: 50, fps: 5, stream: stderr, format: " {label} {bar} {value}/{total} {extra}" },
      Presets.shades_classic,
    );
    bars = {
      multi,
      walk: multi.create(1, 0, { label: "found ", extra: "" }),
      send: multi.create(1, 0, { label: "sent  ", extra: "" }),
    };
  } else if (options.mode === "lines") {
    timer = setInterval(() => say(progressLine()), (options.lineIntervalSeconds ?? 5) * 1000);
    timer.unref();
  }

  function progressLine(): string {
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    return `progress: ${counters.discovered} found${counters.walkDone ? " (walk done)" : ""}, ${counters.uploaded} uploaded, ${counters.present} present, ${counters.rejected} rejected, ${counters.failed + counters.conflict} failed, ${formatBytes(counters.bytes)} at ${formatBytes(counters.bytes / seconds)}/s`;
  }

  function refreshBars(): void {
    if (!bars) return;
    const total = Math.max(1, counters.discovered);
    bars.walk.setTotal(total);
    bars.walk.update(counters.discovered, { extra: counters.walkDone ? "files (walk done)" : "files" });
    bars.send.setTotal(total);
    const seconds = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = counters.done / seconds;
    const eta = counters.walkDone && rate > 0 ? `  eta ${formatSeconds((counters.discovered - counters.done) / rate)}` : "";
    bars.send.update(counters.done, { extra: `${formatBytes(counters.bytes)} ${formatBytes(counters.bytes / seconds)}/s  ${counters.rejected + counters.failed + counters.conflict} problems${eta}` });
  }

  const listener = (event: UploadEvent): void => {
    switch (event.type) {
      case "discovered":
        counters.discovered++;
        break;
      case "walk_done":
        counters.walkDone = true;
        break;
      case "skipped":
        counters.done++;
        counters.present++;
        if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "input", id: event.id, source: event.source, status: "present", reason: "unchanged_since_last_run", ...dry })}\n`);
        break;
      case "input":
        counters.done++;
        counters[event.status]++;
        counters.bytes += event.bytes;
        if (options.mode === "json") {
          stdout.write(`${JSON.stringify({ event: "input", id: event.id, source: event.source, status: event.status, reason: event.reason, message: event.message, ...dry })}\n`);
        } else if (event.status === "rejected" || event.status === "failed" || event.status === "conflict") {
          say(`${paint("31", "!")} ${event.status} [${event.reason}] ${event.message ?? event.source}`);
        }
        break;
      case "warning":
        if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "warning", source: event.source, message: event.message })}\n`);
        else if (options.mode !== "quiet") say(`${paint("33", "~")} ${event.message}`);
        break;
      case "annotation_failed":
        if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "annotation", status: "failed", source: event.source, message: event.message })}\n`);
        else say(`${paint("31", "!")} annotation refused: ${event.message}`);
        break;
      case "retry":
        if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "retry", attempt: event.attempt, delay_ms: event.delayMs, message: event.message })}\n`);
        else if (options.mode !== "quiet") say(`${paint("33", "~")} retry ${event.attempt} in ${event.delayMs} ms: ${event.message}`);
        break;
      case "processing":
        if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "processing", pending: event.pending, in_progress: event.inProgress, success: event.success, failed: event.failed })}\n`);
        else if (options.mode !== "quiet") say(`processing: ${event.success} done, ${event.failed} failed, ${event.pending + event.inProgress} pending`);
        break;
      case "batch":
        break;
    }
    refreshBars();
  };

  return {
    listener,
    flush: () => stdout.flush(),
    note(text: string): void {
      if (options.mode === "json") stdout.write(`${JSON.stringify({ event: "note", message: text })}\n`);
      else if (options.mode !== "quiet") say(text);
    },
    finish(summary: Summary, dryRun: boolean): void {
      if (timer) clearInterval(timer);
      if (bars) {
        refreshBars();
        bars.multi.stop();
      }
      if (options.mode === "json") stdout.write(`${JSON.stringify(summary)}\n`);
      else if (options.mode !== "quiet") stderr.write(`${dryRun ? "dry run, nothing sent:\n" : ""}${summaryTable(summary, dryRun)}\n`);
      stdout.flush();
    },
  };
}

/**
 * Lines for stdout, written together once per turn of the event loop: one line per input
 * would otherwise be one write (a system call on a pipe) per input.
 */
function bufferedLines(stream: NodeJS.WritableStream): { write(text: string): void; flush(): void } {
  let pending: string[] = [];
  const flush = (): void => {
    if (pending.length === 0) return;
    const text = pending.join("");
    pending = [];
    stream.write(text);
  };
  return {
    write(text: string): void {
      if (pending.length === 0) setImmediate(flush);
      pending.push(text);
    },
    flush,
  };
}
