import type { RunResult } from "../upload/pipeline.js";
import { formatBytes, formatSeconds } from "./format.js";

/** The one summary of a run: the last line of `--json`, or a short table. */
export interface Summary {
  event: "summary";
  job: string;
  outcome: RunResult["outcome"];
  discovered: number;
  uploaded: number;
  present: number;
  rejected: number;
  failed: number;
  skipped: number;
  annotations: number;
  annotations_failed: number;
  not_sent: number;
  bytes: number;
  batches: number;
  seconds: number;
  add_job: string;
}

export function summarize(job: string, result: RunResult, seconds: number): Summary {
  const { totals } = result;
  return {
    event: "summary",
    job,
    outcome: result.outcome,
    discovered: totals.discovered,
    uploaded: totals.uploaded,
    present: totals.present,
    rejected: totals.rejected,
    failed: totals.failed,
    skipped: totals.skipped,
    annotations: totals.annotations,
    annotations_failed: totals.annotationsFailed,
    not_sent: totals.notSent,
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
    [dryRun ? "would upload" : "uploaded", String(summary.uploaded)],
    ["already present", String(summary.present)],
    ["rejected", String(summary.rejected)],
    ["failed", String(summary.failed)],
  ];
  if (summary.skipped > 0) rows.push(["skipped by transform", String(summary.skipped)]);
  if (summary.annotations + summary.annotations_failed > 0) rows.push(["annotations", `${summary.annotations}${summary.annotations_failed ? ` (${summary.annotations_failed} refused)` : ""}`]);
  if (summary.not_sent > 0) rows.push(["not sent", String(summary.not_sent)]);
  rows.push(["bytes", `${formatBytes(summary.bytes)}${rate}`], ["batches", String(summary.batches)], ["time", formatSeconds(summary.seconds)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n");
}
