import { setTimeout as sleep } from "node:timers/promises";
import { describeStatus } from "../api/client.js";
import type { Caller } from "../api/caller.js";
import { Status } from "../gen/clarifai/api/status/status.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import type { EventBus } from "./events.js";

export interface ProcessingFailure {
  id: string;
  code: number;
  message: string;
}

export interface ProcessingReport {
  /** False when the wait was interrupted before nothing was pending. */
  finished: boolean;
  failures: ProcessingFailure[];
}

/**
 * Follows an inputs-add job until nothing is pending (GetInputsAddJob progress), then
 * lists the inputs that failed processing (ListInputs with the INPUT_FAILED status filter)
 * and returns those that belong to `ids`.
 */
export async function followProcessing(caller: Caller, addJobId: string, ids: { has(id: string): boolean }, bus: EventBus, signal: AbortSignal, pollMs = 1000): Promise<ProcessingReport> {
  let finished = false;
  for (;;) {
    const answer = await caller.call("getInputsAddJob", { id: addJobId });
    const progress = answer.inputsAddJob?.progress;
    const pending = progress?.pendingCount ?? 0;
    const inProgress = progress?.inProgressCount ?? 0;
    bus.emit({ type: "processing", pending, inProgress, success: progress?.successCount ?? 0, failed: progress?.failedCount ?? 0 });
    finished = pending + inProgress === 0;
    if (finished || signal.aborted) break;
    await sleep(pollMs);
  }
  const failures: ProcessingFailure[] = [];
  const perPage = 1000;
  for (let page = 1; ; page++) {
    const answer = await caller.call("listInputs", { page, perPage, ids: [], status: Status.fromPartial({ code: StatusCode.INPUT_FAILED }) });
    for (const input of answer.inputs) {
      if (ids.has(input.id)) failures.push({ id: input.id, code: input.status?.code ?? StatusCode.INPUT_FAILED, message: describeStatus(input.status) });
    }
    if (answer.inputs.length < perPage) break;
  }
  return { finished, failures };
}
