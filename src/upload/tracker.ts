import { setTimeout as sleep } from "node:timers/promises";
import type { ClarifaiClient } from "../api/client.js";
import { describeStatus } from "../api/client.js";
import { DEFAULT_RETRY_POLICY, withRetry } from "../api/retry.js";
import { Status } from "../gen/clarifai/api/status/status.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import type { EventBus } from "./events.js";

export interface ProcessingFailure {
  id: string;
  message: string;
}

/**
 * Follows an inputs-add job until nothing is pending (GetInputsAddJob progress), then
 * lists the inputs that failed processing (ListInputs with the INPUT_FAILED status filter)
 * and returns those that belong to `ids`.
 */
export async function followProcessing(client: ClarifaiClient, addJobId: string, ids: { has(id: string): boolean }, bus: EventBus, signal: AbortSignal, pollMs = 1000): Promise<ProcessingFailure[]> {
  for (;;) {
    const answer = await withRetry(() => client.call("getInputsAddJob", { id: addJobId }), DEFAULT_RETRY_POLICY);
    const progress = answer.inputsAddJob?.progress;
    const pending = progress?.pendingCount ?? 0;
    const inProgress = progress?.inProgressCount ?? 0;
    bus.emit({ type: "processing", pending, inProgress, success: progress?.successCount ?? 0, failed: progress?.failedCount ?? 0 });
    if (pending + inProgress === 0 || signal.aborted) break;
    await sleep(pollMs);
  }
  const failures: ProcessingFailure[] = [];
  const perPage = 1000;
  for (let page = 1; ; page++) {
    const answer = await withRetry(() => client.call("listInputs", { page, perPage, ids: [], status: Status.fromPartial({ code: StatusCode.INPUT_FAILED }) }), DEFAULT_RETRY_POLICY);
    for (const input of answer.inputs) {
      if (ids.has(input.id)) failures.push({ id: input.id, message: describeStatus(input.status) });
    }
    if (answer.inputs.length < perPage) break;
  }
  return failures;
}
