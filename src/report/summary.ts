import type { RunResult } from "../upload/pipeline.js";
import type { RunTotals } from "../upload/run-stats.js";
import { formatBytes, formatSeconds } from "./format.js";

/** A run's result with its counts. */
export type CountedRun = RunResult & { totals: RunTotals };

/** The one summary of a run: the last line of `--json`, or a short table. */
export interface Summary {
  event: "summary";
  job: string;
  outcome: RunResult["outcome"];
  /** Present (true) only for a dry run. */
  dry_run?: true;
  discovered: number;
  uploaded: number;
  /** Dry run: what a real run would send. */
  would_upload?: number;
  present: number;
  kept: number;
  conflicts: number;
  rejected: number;
  failed: number;
  skipped: number;
  annotations: number;
  annotations_failed: number;
  /** Annotation files in the walked folder, left out of the inputs. */
  annotation_files: number;
  /** Files the walk left out without reading them: hidden, symlinks not followed, special files. */
  hidden_files: number;
  symlinks_skipped: number;
  special_files: number;
  not_sent: number;
  /** Inputs whose request was cancelled by a second Ctrl-C: the server may hold them. */
  unconfirmed: number;
  bytes: number;
  batches: number;
  seconds: number;
  /** The inputs-add job of the run (none for a dry run). */
  add_job?: string;
}

export function summarize(job: string, result: CountedRun, seconds: number, dryRun = false): Summary {
  const { totals } = result;
  return {
    event: "summary",
    job,
    outcome: result.outcome,
    ...(dryRun ? { dry_run: true as const } : {}),
    discovered: totals.discovered,
    uploaded: totals.uploaded,
    ...(dryRun ? { would_upload: totals.wouldUpload } : {}),
    present: totals.present,
    kept: totals.kept,
    conflicts: totals.conflicts,
    rejected: totals.rejected,
    failed: totals.failed,
    skipped: totals.skipped,
    annotations: totals.annotations,
    annotations_failed: totals.annotationsFailed,
    annotation_files: totals.annotationFiles,
    hidden_files: totals.hiddenFiles,
    symlinks_skipped: totals.symlinksSkipped,
    special_files: totals.specialFiles,
    not_sent: totals.notSent,
    unconfirmed: totals.unconfirmed,
    bytes: totals.bytes,
    batches: totals.batches,
    seconds: Math.round(seconds * 1000) / 1000,
    add_job: result.addJobId,
  };
}

/** Where a job's inputs go, as its job log header records it. */
export interface Target {
  api: string;
  user: string;
  app: string;
  dataset?: string;
}

/** One line for a target: `api.clarifai.com  user me  app demo  dataset train`. */
export function describeTarget(target: Target): string {
  const api = target.api.replace(/^https:\/\//, "");
  return `${api}  user ${target.user || "?"}  app ${target.app || "?"}${target.dataset ? `  dataset ${target.dataset}` : ""}`;
}

export function summaryTable(summary: Summary, dryRun = false, target?: Target): string {
  const rate = summary.seconds > 0 ? ` (${formatBytes(summary.bytes / summary.seconds)}/s)` : "";
  const rows: Array<[string, string]> = [
    ["job", summary.job],
    ...(target ? [["target", describeTarget(target)] as [string, string]] : []),
    ["discovered", String(summary.discovered)],
    dryRun ? ["would upload", String(summary.would_upload ?? 0)] : ["uploaded", String(summary.uploaded)],
    ["already present", String(summary.present)],
    ["rejected", String(summary.rejected)],
    ["failed", String(summary.failed)],
  ];
  if (summary.conflicts > 0) rows.push([dryRun ? "changed since sent" : "id conflicts", String(summary.conflicts)]);
  if (summary.kept > 0) rows.push(["kept (server's)", String(summary.kept)]);
  if (summary.skipped > 0) rows.push(["skipped by transform", String(summary.skipped)]);
  if (summary.annotations + summary.annotations_failed > 0) rows.push(["annotations", `${summary.annotations}${summary.annotations_failed ? ` (${summary.annotations_failed} refused)` : ""}`]);
  if (summary.annotation_files > 0) rows.push(["annotation files", `${summary.annotation_files} (not inputs)`]);
  const leftOut = [
    summary.hidden_files > 0 ? `${summary.hidden_files} hidden (--hidden)` : "",
    summary.symlinks_skipped > 0 ? `${summary.symlinks_skipped} symlinks (--follow-symlinks)` : "",
    summary.special_files > 0 ? `${summary.special_files} not regular files` : "",
  ].filter((part) => part !== "");
  if (leftOut.length > 0) rows.push(["left out", leftOut.join(", ")]);
  if (summary.not_sent > 0) rows.push(["not sent", String(summary.not_sent)]);
  if (summary.unconfirmed > 0) rows.push(["no answer", `${summary.unconfirmed} (cancelled as they were sent or about to be: the server may hold some)`]);
  rows.push(["bytes", `${formatBytes(summary.bytes)}${rate}`], ["batches", String(summary.batches)], ["time", formatSeconds(summary.seconds)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}
