import { setTimeout as sleep } from "node:timers/promises";
import { describeStatus } from "../api/client.js";
import type { Caller } from "../api/caller.js";
import { statusName } from "../api/status.js";
import type { InputsAddJob, InputsExtractionJob } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import type { EventBus } from "./events.js";

/** A job the platform runs on its side: a cloud source or an uploaded archive being extracted. */
export interface IngestOutcome {
  job: InputsAddJob;
  extractions: InputsExtractionJob[];
  /** True when every extraction ended and no input waits for processing. */
  finished: boolean;
}

const ENDED = new Set<number>([StatusCode.JOB_COMPLETED, StatusCode.JOB_FAILED, StatusCode.JOB_CANCELLED, StatusCode.JOB_UNEXPECTED_ERROR]);

export function extractionEnded(job: InputsExtractionJob): boolean {
  return ENDED.has(job.status?.code ?? 0);
}

/**
 * Follows an inputs-add job and its extraction jobs until every extraction has ended and
 * nothing is pending, reporting progress as `processing` events. Stops early (finished:
 * false) when `signal` aborts: Ctrl-C stops watching, never the job.
 */
export async function followIngestJob(caller: Caller, jobId: string, bus: EventBus, signal: AbortSignal, pollMs = 1000): Promise<IngestOutcome> {
  for (;;) {
    const { inputsAddJob } = await caller.call("getInputsAddJob", { id: jobId });
    if (!inputsAddJob) throw new Error(`GetInputsAddJob ${jobId}: no job in the answer`);
    const extractions = await Promise.all(
      inputsAddJob.extractionJobs.map(async (extraction) => (await caller.call("getInputsExtractionJob", { inputsExtractionJobId: extraction.id })).inputsExtractionJob ?? extraction),
    );
    const progress = inputsAddJob.progress;
    const pending = (progress?.pendingCount ?? 0) + (progress?.inProgressCount ?? 0);
    bus.emit({ type: "processing", pending: progress?.pendingCount ?? 0, inProgress: progress?.inProgressCount ?? 0, success: progress?.successCount ?? 0, failed: progress?.failedCount ?? 0 });
    const finished = extractions.every(extractionEnded) && pending === 0;
    if (finished || signal.aborted) return { job: inputsAddJob, extractions, finished };
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
}

/** One line per extraction job: its status and counts. */
export function describeExtraction(job: InputsExtractionJob): string {
  const p = job.progress;
  const counts = p
    ? `images ${p.imageInputsCount}, videos ${p.videoInputsCount}, texts ${p.textInputsCount}, audio ${p.audioInputsCount}; archives pending ${p.pendingArchivesCount}, in progress ${p.inProgressArchivesCount}, completed ${p.completedArchivesCount}, failed ${p.failedArchivesCount}`
    : "no progress yet";
  const status = job.status ? statusName(job.status.code) : "no status";
  const why = job.status && job.status.code !== StatusCode.JOB_COMPLETED && job.status.description ? ` (${describeStatus(job.status)})` : "";
  return `${job.id} ${job.url}: ${status}${why}; ${counts}`;
}
