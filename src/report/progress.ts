import { createRequire } from "node:module";
import type cliProgressModule from "cli-progress";
import { formatBytes, formatSeconds } from "./format.js";

/**
 * cli-progress, loaded when a bar is first drawn: a run writing JSON or plain lines (a
 * pipeline, a cron job) never draws one, and saves loading its modules at start-up.
 */
let cliProgress: typeof cliProgressModule | undefined;
const require = createRequire(import.meta.url);

/** What the reporter has counted so far; the progress lines are drawn from it alone. */
export interface Progress {
  discovered: number;
  /** Inputs with an outcome. */
  done: number;
  /** Inputs per outcome (`uploaded`, `present`, `rejected`, `failed`, ...). */
  statuses: Record<string, number>;
  bytes: number;
  retries: number;
  walk: "walking" | "done" | "stopped";
  /** Seconds since the run started. */
  seconds: number;
  /** Set once `--wait` follows processing. */
  processing?: { success: number; failed: number; pending: number };
}

export function emptyProgress(): Progress {
  return { discovered: 0, done: 0, statuses: {}, bytes: 0, retries: 0, walk: "walking", seconds: 0 };
}

/** Outcomes that are problems: each is listed as it happens and counted on the progress line. */
export const PROBLEM_STATUSES: ReadonlySet<string> = new Set(["rejected", "failed", "conflict"]);

/** Inputs with this outcome so far. */
export function countOf(progress: Progress, status: string): number {
  return progress.statuses[status] ?? 0;
}

const count = (n: number): string => n.toLocaleString("en-US");

/**
 * The status lines of a terminal: files found (a running count while the walk goes on:
 * there is no total to show yet), inputs sent (with a bar, a total and an ETA once the
 * walk is over) and, with --wait, processing.
 */
export function progressLines(progress: Progress, width: number): string[] {
  const seconds = Math.max(0.001, progress.seconds);
  const walk = progress.walk === "walking" ? "files, still looking" : progress.walk === "stopped" ? "files (stopped looking)" : "files";
  const lines = [` found      ${count(progress.discovered)} ${walk}`];
  const problems = [...PROBLEM_STATUSES].reduce((sum, status) => sum + countOf(progress, status), 0);
  const tail = [
    `${formatBytes(progress.bytes)} at ${formatBytes(progress.bytes / seconds)}/s`,
    problems > 0 ? `${count(problems)} problem${problems === 1 ? "" : "s"}` : "",
    progress.retries > 0 ? `${count(progress.retries)} retr${progress.retries === 1 ? "y" : "ies"}` : "",
  ].filter((part) => part !== "");
  if (progress.walk === "walking") {
    lines.push(` sent       ${count(progress.done)}  ${tail.join("  ")}`);
  } else {
    const total = Math.max(progress.discovered, progress.done);
    const rate = progress.done / seconds;
    const left = total - progress.done;
    const eta = progress.walk === "done" && left > 0 && rate > 0 ? `  eta ${formatSeconds(left / rate)}` : "";
    const text = `${count(progress.done)}/${count(total)}  ${tail.join("  ")}${eta}`;
    lines.push(` sent       ${bar(progress.done, total, barWidth(width, text))} ${text}`);
  }
  if (progress.processing) {
    const { success, failed, pending } = progress.processing;
    const total = success + failed + pending;
    const text = `${count(success + failed)}/${count(total)}  ${count(failed)} failed`;
    lines.push(` processed  ${bar(success + failed, total, barWidth(width, text))} ${text}`);
  }
  return lines;
}

/** The line printed every few seconds when stderr is not a terminal. */
export function progressLine(progress: Progress): string {
  const seconds = Math.max(0.001, progress.seconds);
  const walk = progress.walk === "walking" ? "" : progress.walk === "stopped" ? " (stopped looking)" : " (all found)";
  const retries = progress.retries > 0 ? `, ${progress.retries} retr${progress.retries === 1 ? "y" : "ies"}` : "";
  return `progress: ${progress.discovered} found${walk}, ${countOf(progress, "uploaded")} uploaded, ${countOf(progress, "present")} present, ${countOf(progress, "rejected")} rejected, ${countOf(progress, "failed") + countOf(progress, "conflict")} failed, ${formatBytes(progress.bytes)} at ${formatBytes(progress.bytes / seconds)}/s${retries}`;
}

function barWidth(width: number, text: string): number {
  return Math.max(10, Math.min(30, width - text.length - 15));
}

/** The bar itself, drawn by cli-progress's bar formatter (the reporter owns the screen and the layout). */
function bar(value: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, value / total) : 0;
  cliProgress ??= require("cli-progress") as typeof cliProgressModule;
  return `[${cliProgress.Format.BarFormat(share, { barsize: width, barCompleteString: "#".repeat(width), barIncompleteString: "-".repeat(width), barGlue: "" })}]`;
}
