import { setTimeout as sleep } from "node:timers/promises";
import { ApiError, describeStatus, type ClarifaiClient } from "../api/client.js";
import type { RateLimiter } from "../api/rate-limiter.js";
import { backoffDelay, type RetryPolicy } from "../api/retry.js";
import { classifyInputStatus, classifyStatus, statusName } from "../api/status.js";
import { UploadError } from "../errors.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { EncodedBatch } from "./request.js";

export interface InputOutcome {
  input: PlannedInput;
  status: "uploaded" | "present" | "failed";
  reason?: string;
  message?: string;
}

export interface SenderContext {
  client: ClarifaiClient;
  limiter: RateLimiter;
  retry: RetryPolicy;
  onRetry: (message: string, attempt: number, delayMs: number) => void;
}

/**
 * Sends one batch with PostInputs until every input has an outcome. A transient failure
 * of the whole request retries the whole request; a MIXED_STATUS answer retries only the
 * inputs that failed transiently. Authentication failures and an API that stays
 * unreachable after every retry throw UploadError (they end the run).
 */
export async function sendBatch(context: SenderContext, batch: EncodedBatch): Promise<InputOutcome[]> {
  const outcomes: InputOutcome[] = [];
  let pending = batch.entries;
  let lastProblem = "";
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      if (attempt > context.retry.maxRetries) break;
      const delay = backoffDelay(context.retry, attempt - 1);
      context.onRetry(lastProblem, attempt, delay);
      await sleep(delay);
    }
    await context.limiter.acquire();
    let response;
    try {
      response = await context.client.postEncodedInputs(batch.request.only(pending.map((entry) => entry.index)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.verdict === "auth") throw new UploadError("auth", error.message);
      if (error.verdict === "retry") {
        lastProblem = error.message;
        if (attempt >= context.retry.maxRetries) {
          throw new UnreachableError(error.message, [...outcomes, ...pending.map(({ input }) => failed(input, "unreachable", error.message))]);
        }
        continue;
      }
      for (const { input } of pending) outcomes.push(failed(input, "request_failed", error.message));
      return outcomes;
    }
    const code = response.status?.code ?? 0;
    const verdict = classifyStatus(code, response.inputs.length > 0);
    if (verdict === "auth") throw new UploadError("auth", context.client.redact(`PostInputs: ${describeStatus(response.status)}`));
    if (verdict === "retry") {
      lastProblem = `PostInputs: ${describeStatus(response.status)}`;
      continue;
    }
    if (verdict === "fatal") {
      const message = `PostInputs: ${describeStatus(response.status)}`;
      for (const { input } of pending) outcomes.push(failed(input, "request_failed", message));
      return outcomes;
    }
    const answers = new Map(response.inputs.map((answer) => [answer.id, answer]));
    const retryLater: typeof pending = [];
    for (const entry of pending) {
      const answer = answers.get(entry.input.id);
      const inputCode = answer?.status?.code ?? (verdict === "success" ? 0 : -1);
      const inputVerdict = answer === undefined && verdict === "success" ? "accepted" : classifyInputStatus(inputCode);
      if (inputVerdict === "accepted") outcomes.push({ input: entry.input, status: "uploaded" });
      else if (inputVerdict === "present") outcomes.push({ input: entry.input, status: "present" });
      else if (inputVerdict === "retry" || answer === undefined) {
        retryLater.push(entry);
        lastProblem = `PostInputs: input ${entry.input.id}: ${answer ? describeStatus(answer.status) : "missing from the answer"}`;
      } else {
        outcomes.push(failed(entry.input, reasonFor(inputCode), `${entry.input.accepted.candidate.source}: ${describeStatus(answer.status)}`));
      }
    }
    pending = retryLater;
  }
  for (const { input } of pending) outcomes.push(failed(input, "retries_exhausted", `${input.accepted.candidate.source}: gave up after ${context.retry.maxRetries} retries (${lastProblem})`));
  return outcomes;
}

/** The API could not be reached after every retry; carries the outcomes of the batch that found out. */
export class UnreachableError extends UploadError {
  constructor(
    message: string,
    readonly outcomes: InputOutcome[],
  ) {
    super("unreachable", message);
  }
}

function failed(input: PlannedInput, reason: string, message: string): InputOutcome {
  return { input, status: "failed", reason, message };
}

/** A stable reason code from the platform's per-input status: `INPUT_INVALID_ARGUMENT` -> `input_invalid_argument`. */
function reasonFor(code: number): string {
  return statusName(code).replace(/ \(\d+\)$/, "").toLowerCase();
}
