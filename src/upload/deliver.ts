import type { Caller } from "../api/caller.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { PostInputsRequest } from "../gen/clarifai/api/service.js";
import { resolveDuplicates, type IdConflictPolicy } from "./conflicts.js";
import { encodeBatch, type InputDefaults } from "./request.js";
import { UnreachableError, type Delivered } from "./delivered.js";
import { sendBatch, type InputOutcome } from "./sender.js";

export interface DeliveryContext {
  caller: Caller;
  defaults: InputDefaults;
  idConflict: IdConflictPolicy;
  /** The request's header: the app and the inputs-add job. */
  header: Omit<PostInputsRequest, "inputs">;
  /** Memory for a request of `size` bytes, and its return once the call is over. */
  take: (size: number) => Buffer;
  give: (buffer: Buffer) => void;
  /** Before a request is sent: make sure the datasets its inputs name exist. */
  ensureDatasets: (inputs: readonly PlannedInput[]) => Promise<void>;
  /** The digest the job log acknowledged the input's id with, if any. */
  loggedDigest: (input: PlannedInput) => string | undefined;
}

/**
 * Delivers one batch: reads its files into one request, deletes the inputs it replaces,
 * sends it, and settles every taken id by content (present, conflict, kept) or sends it
 * once more under `--id-conflict suffix` or `replace`. Every input comes back with a
 * state; an API that stays out of reach throws UnreachableError with the states known.
 */
export async function deliverBatch(context: DeliveryContext, inputs: readonly PlannedInput[], finalRound = false): Promise<Delivered[]> {
  const encoded = await encodeBatch(inputs, context.defaults, context.header, context.take);
  const delivered: Delivered[] = encoded.unreadable.map(({ input, message }) => ({ input, status: "failed", reason: "unreadable", message }));
  let outcomes: InputOutcome[];
  try {
    const entries = encoded.entries.map((entry) => entry.input);
    const replaced = entries.filter((input) => input.replacesFailed).map((input) => input.id);
    if (replaced.length > 0) await context.caller.call("deleteInputs", { ids: replaced });
    await context.ensureDatasets(entries);
    outcomes = entries.length > 0 ? await sendBatch(context.caller, encoded) : [];
  } catch (error) {
    if (error instanceof UnreachableError) throw new UnreachableError(error.message, [...delivered, ...error.outcomes]);
    throw error;
  } finally {
    // The call is over: grpc-js sent its own framed copy of the request, if anything.
    context.give(encoded.request.buffer);
  }
  const duplicates: InputOutcome[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "duplicate") duplicates.push(outcome);
    else delivered.push({ ...outcome, status: outcome.status });
  }
  if (duplicates.length === 0) return delivered;
  const resolution = await resolveDuplicates(context.caller, duplicates, context.idConflict, context.loggedDigest, finalRound);
  delivered.push(...resolution.settled);
  if (resolution.resend.length === 0) return delivered;
  if (resolution.deleteFirst.length > 0) await context.caller.call("deleteInputs", { ids: resolution.deleteFirst });
  try {
    delivered.push(...(await deliverBatch(context, resolution.resend, true)));
  } catch (error) {
    if (error instanceof UnreachableError) throw new UnreachableError(error.message, [...delivered, ...error.outcomes]);
    throw error;
  }
  return delivered;
}
