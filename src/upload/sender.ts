import { ApiError, describeStatus } from "../api/client.js";
import { RetriesExhausted, type Caller } from "../api/caller.js";
import { classifyInputStatus, classifyStatus, statusName } from "../api/status.js";
import { UploadError } from "../errors.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { EncodedBatch, EncodedEntry } from "./request.js";
import { UnreachableError, type Delivered } from "./delivered.js";
import type { PlatformReason, Reason } from "../reasons.js";

/**
 * What the server said of one input. `duplicate`: its id is taken on the server, by the
 * same content or not (see conflicts.ts).
 */
export interface InputOutcome {
  input: PlannedInput;
  status: "uploaded" | "duplicate" | "failed";
  /** The digest of what was sent (absent when the file could not be read). */
  digest?: string;
  reason?: Reason;
  message?: string;
}

/**
 * Sends one batch with PostInputs until every input has an outcome. A transient failure
 * of the whole request retries the whole request; a MIXED_STATUS answer retries only the
 * inputs that failed transiently (INPUT_FAILED, "try again", among them). Authentication
 * failures and an API that stays unreachable after every retry throw UploadError (they
 * end the run).
 */
export async function sendBatch(caller: Caller, batch: EncodedBatch): Promise<InputOutcome[]> {
  const outcomes: InputOutcome[] = [];
  let pending: EncodedEntry[] = batch.entries;
  // Why each input still pending was last turned away, when the answer said it of that input alone.
  const ownProblems = new Map<EncodedEntry, string>();
  try {
    await caller.retrying(async () => {
      let response;
      try {
        response = await caller.client.postEncodedInputs(batch.request.only(pending.map((entry) => entry.index)));
      } catch (error) {
        if (error instanceof ApiError && error.verdict === "auth") throw new UploadError("auth", error.message);
        if (error instanceof ApiError && error.verdict === "fatal") {
          for (const entry of pending) outcomes.push(failed(entry, "request_failed", error.message));
          return { done: undefined };
        }
        throw error;
      }
      const code = response.status?.code ?? 0;
      const verdict = classifyStatus(code, response.inputs.length > 0);
      const problem = `PostInputs: ${describeStatus(response.status)}`;
      if (verdict === "auth") throw new UploadError("auth", caller.client.redact(problem));
      if (verdict === "retry") return { again: problem, throttled: code === StatusCode.CONN_THROTTLED, wholeRequest: true };
      if (verdict === "fatal") {
        for (const entry of pending) outcomes.push(failed(entry, "request_failed", problem));
        return { done: undefined };
      }
      const answers = new Map(response.inputs.map((answer) => [answer.id, answer]));
      const retryLater: EncodedEntry[] = [];
      let lastProblem = "";
      for (const entry of pending) {
        const answer = answers.get(entry.input.id);
        const inputCode = answer?.status?.code ?? (verdict === "success" ? 0 : -1);
        const inputVerdict = answer === undefined && verdict === "success" ? "accepted" : classifyInputStatus(inputCode);
        if (inputVerdict === "accepted") outcomes.push({ input: entry.input, status: "uploaded", digest: entry.digest });
        else if (inputVerdict === "duplicate") outcomes.push({ input: entry.input, status: "duplicate", digest: entry.digest });
        else if (inputVerdict === "retry" || answer === undefined) {
          retryLater.push(entry);
          lastProblem = `PostInputs: input ${entry.input.id}: ${answer ? describeStatus(answer.status) : "missing from the answer"}`;
          ownProblems.set(entry, lastProblem);
        } else {
          outcomes.push(failed(entry, reasonFor(inputCode), `${entry.input.accepted.candidate.source}: ${describeStatus(answer.status)}`));
        }
      }
      pending = retryLater;
      return pending.length === 0 ? { done: undefined } : { again: lastProblem };
    });
  } catch (error) {
    // Out of reach: the request itself kept failing (the call, or the whole answer), or the
    // connection check found nothing to talk to. What was answered stands; the run stops.
    // Never reached at all (a wrong address): nothing to record, the run ends with that one line.
    if (error instanceof UploadError && error.code === "unreachable" && !caller.client.everAnswered) throw error;
    // Stopped by a first Ctrl-C: what was answered stands, and what would have been tried
    // again is reported failed (below), for the next run to send.
    const stopped = error instanceof RetriesExhausted && error.stopped;
    const outOfReach = stopped ? undefined : error instanceof UploadError && error.code === "unreachable" ? error.message : error instanceof RetriesExhausted && error.wholeRequest ? (error.lastError?.message ?? error.message) : undefined;
    if (outOfReach !== undefined) {
      const unknown = (entry: { input: PlannedInput; digest?: string }): Delivered => ({ ...entry, status: "failed", reason: "unreachable", message: `${entry.input.accepted.candidate.source}: ${outOfReach}` });
      // A taken id could not be looked up either: whether it holds this content is not known.
      const known = outcomes.map((outcome): Delivered => (outcome.status === "duplicate" ? unknown(outcome) : { ...outcome, status: outcome.status }));
      throw new UnreachableError(outOfReach, [...known, ...pending.map(unknown)]);
    }
    if (!(error instanceof RetriesExhausted)) throw error;
    for (const entry of pending) {
      const own = ownProblems.get(entry);
      outcomes.push(failed(entry, "retries_exhausted", `${entry.input.accepted.candidate.source}: ${own === undefined ? error.message : error.because(own)}`));
    }
  }
  return outcomes;
}

function failed(entry: EncodedEntry, reason: Reason, message: string): InputOutcome {
  return { input: entry.input, status: "failed", digest: entry.digest, reason, message };
}

/** A stable reason code from the platform's per-input status: `INPUT_INVALID_ARGUMENT` -> `input_invalid_argument`. */
function reasonFor(code: number): PlatformReason {
  return statusName(code).replace(/ \(\d+\)$/, "").toLowerCase() as PlatformReason;
}
