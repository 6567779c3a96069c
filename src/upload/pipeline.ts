import { randomBytes } from "node:crypto";
import type { Caller } from "../api/caller.js";
import { planBatches } from "../plan/batcher.js";
import type { SourceReport } from "../sources/candidate.js";
import { assignIds } from "./assign-ids.js";
import { check } from "./check.js";
import { discover } from "./discover.js";
import type { EventBus } from "./events.js";
import type { JobState } from "./joblog.js";
import type { UploadPlan } from "./plan.js";
import { send, type RunOutcome } from "./send.js";

export type { Shard, UploadPlan } from "./plan.js";
export type { RunOutcome } from "./send.js";

/** The connections a run uses. `caller` is absent for a dry run. */
export interface UploadServices {
  caller?: Caller;
  /** Every stage speaks here; the job log, the run's stats and the reporters listen. */
  bus: EventBus;
  /** The job as its log says it stands (a dry run reads it too). */
  state?: JobState;
  /** Aborted by the first Ctrl-C: stop discovering and sending new batches; finish those in flight. */
  stop: AbortSignal;
}

export interface RunResult {
  outcome: RunOutcome;
  /** Why the run stopped early. */
  message?: string;
  /** The inputs-add job every batch of this run was posted under (none for a dry run). */
  addJobId?: string;
}

/**
 * One run: discover -> check -> assign ids -> pack -> send, each stage an async
 * iterable feeding the next, so sending starts while the walk goes on and memory does
 * not grow with the number of files. Stages only emit events.
 */
export async function runUpload(plan: UploadPlan, services: UploadServices): Promise<RunResult> {
  const { bus } = services;
  const addJobId = services.caller ? randomBytes(16).toString("hex") : undefined;
  const halt = new AbortController();
  const stopped = (): boolean => services.stop.aborted || halt.signal.aborted;
  const report: SourceReport = {
    rejected(source, reason, message, row) {
      bus.emit({ type: "discovered", source });
      bus.emit({ type: "input", source, status: "rejected", reason, message, bytes: 0, ...(row && { row }) });
    },
    warning: (source, message) => bus.emit({ type: "warning", source, message }),
    annotationFile: (source) => bus.emit({ type: "annotation_file", source }),
    leftOut: (source, why) => bus.emit({ type: "left_out", source, why }),
  };
  for (const problem of plan.annotations?.problems ?? []) bus.emit({ type: "annotation_failed", source: problem.split(":")[0] ?? "", message: problem });

  const discovered = discover(plan, plan.candidates(report), bus, services.state, stopped, !services.caller);
  const batches = planBatches(assignIds(plan, check(plan, discovered), bus), plan.batchLimits);
  let sent: Awaited<ReturnType<typeof send>>;
  try {
    sent = await send(plan, batches, { caller: services.caller, bus, state: services.state, addJobId, stopped, halt: () => halt.abort() });
  } finally {
    await batches.return(undefined);
  }
  const outcome = sent.outcome === "done" && services.stop.aborted ? "interrupted" : sent.outcome;
  return { outcome, message: sent.message, addJobId };
}
