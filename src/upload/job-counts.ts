import { JobLock } from "./job-lock.js";
import type { InputRecord, JobState } from "./joblog.js";

/**
 * How a job's inputs stand, by their latest record. `log list`, `log show` and `status`
 * all count with this, so they agree with each other and with the run summaries.
 */
export interface JobCounts {
  /** On the server as far as the job knows: uploaded, present, kept or processed. */
  acknowledged: number;
  uploaded: number;
  present: number;
  kept: number;
  processed: number;
  processing_failed: number;
  /** `status` found them gone from the server: the next run sends them again. */
  missing: number;
  failed: number;
  rejected: number;
  conflicts: number;
  /** Acknowledged, but some of their regions are not stored yet: the next run posts them. */
  regions_pending: number;
}

export function countInputs(state: JobState): JobCounts {
  const counts: JobCounts = { acknowledged: 0, uploaded: 0, present: 0, kept: 0, processed: 0, processing_failed: 0, missing: 0, failed: 0, rejected: 0, conflicts: 0, regions_pending: 0 };
  for (const { type, status, regionsPending, count } of state.latest.countByState()) {
    if (type === "ack") {
      counts.acknowledged += count;
      if (regionsPending) counts.regions_pending += count;
      if (status === "uploaded" || status === "present" || status === "kept" || status === "processed") counts[status] += count;
    } else if (type === "conflict") counts.conflicts += count;
    else if (type === "processing_failed" || type === "missing" || type === "failed" || type === "rejected") counts[type] += count;
  }
  return counts;
}

/** Problem records read from the index at a time: what listing them holds in memory, whatever the size of the job. */
const PROBLEMS_PAGE = 10_000;

/**
 * Every input whose latest record is a problem (failed, rejected, in conflict, failed
 * processing, or acknowledged with regions still to post), in the order of their
 * sources, read from the job's index a page at a time.
 */
export function* problemRecords(state: JobState, pageSize = PROBLEMS_PAGE): Generator<InputRecord> {
  for (let page = state.latest.problems(undefined, pageSize); page.length > 0; page = state.latest.problems(page.at(-1)?.source, pageSize)) yield* page;
}

/** One line about a problem record, as `log show` and `status` print it. */
export function describeProblem(record: InputRecord): { id?: string; source: string; status: string; reason: string; message: string } {
  if (record.type === "processing_failed") return { id: record.id, source: record.source, status: "processing_failed", reason: "processing_failed", message: `${record.source}: ${record.description} (${record.attempts} attempt(s))` };
  if (record.type === "ack" && record.annotationsPending) {
    return { id: record.id, source: record.source, status: record.status, reason: "regions_pending", message: `${record.source}: input ${record.id} is on the server, but some of its regions are not stored yet; the next run posts them` };
  }
  if (record.type === "ack") return { id: record.id, source: record.source, status: record.status, reason: "", message: record.source };
  if (record.type === "missing") return { id: record.id, source: record.source, status: "missing", reason: "missing", message: `${record.source}: input ${record.id} is not on the server (found by status; the next run sends it again)` };
  return { id: record.id, source: record.source, status: record.type, reason: record.reason, message: record.message };
}

/**
 * What the job's last run left undone, as far as its log tells: a run killed before its
 * end (the files it had not reached are in no record), or one that stopped early
 * (interrupted, unreachable). Undefined when it ended done, or is going on now.
 */
export function lastRunProblem(state: JobState, logPath: string, resumeHint: string): string | undefined {
  // The last run of the whole source: `status --retry`'s runs read only a few inputs again.
  const begun = state.begun.filter((record) => !record.resend).at(-1);
  const ended = begun ? state.ends.find((end) => end.run === begun.run) : state.ends.at(-1);
  if (begun && !ended) {
    if (JobLock.holder(logPath) !== undefined) return undefined;
    return `the last run (begun ${begun.run}) did not end: it was killed; what it had not sent yet is in no record here. ${resumeHint}`;
  }
  // An archive the platform unpacks ends "uploaded" once it is sent whole.
  if (!ended || ended.outcome === "done" || ended.outcome === "uploaded") return undefined;
  if (ended.outcome === "error") return `the last run (begun ${ended.run}) ended on an error (${ended.message ?? "unknown"}); what it had not reached is in no record here. ${resumeHint}`;
  const notSent = Number(ended.summary.not_sent ?? 0);
  const unconfirmed = Number(ended.summary.unconfirmed ?? 0);
  const left = [notSent > 0 ? `${notSent} input(s) not sent` : "", unconfirmed > 0 ? `${unconfirmed} sent without an answer` : ""].filter((part) => part !== "").join(" and ");
  return `the last run (begun ${ended.run}) ended ${ended.outcome}${left ? ` with ${left}` : ""}; it may have stopped before reaching every file, and what it did not reach is in no record here. ${resumeHint}`;
}
