import { RetriesExhausted, type Caller } from "../api/caller.js";
import { ApiError } from "../api/client.js";
import { UploadError } from "../errors.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { PostInputsRequest } from "../gen/clarifai/api/service.js";
import { Input } from "../gen/clarifai/api/resources.js";
import { resolveDuplicates, type IdConflictPolicy, type NamesakeRule, type SettledDuplicate } from "./conflicts.js";
import { datasetIdsFor, encodeBatch, type InputDefaults } from "./request.js";
import { UnreachableError, type Delivered } from "./delivered.js";
import { sendBatch, type InputOutcome } from "./sender.js";

export interface DeliveryContext {
  caller: Caller;
  defaults: InputDefaults;
  idConflict: IdConflictPolicy;
  /** With `--id-from name`: how an id held for a file of the same name elsewhere is settled. */
  namesake?: NamesakeRule;
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
 * once more under `--id-conflict suffix` or `replace` (or because what the server holds
 * under the id failed processing). Every input comes back with a state; an API that
 * stays out of reach throws UnreachableError with the states known, a key it refuses
 * UploadError("auth").
 */
export async function deliverBatch(context: DeliveryContext, inputs: readonly PlannedInput[], justDeleted: ReadonlySet<string> = new Set()): Promise<Delivered[]> {
  const encoded = await encodeBatch(inputs, context.defaults, context.header, context.take);
  const delivered: Delivered[] = encoded.unreadable.map(({ input, message }) => ({ input, status: "failed", reason: "unreadable", message }));
  const entries = encoded.entries.map((entry) => entry.input);
  const call = <T>(affected: readonly PlannedInput[], run: () => Promise<T>, waiting?: readonly PlannedInput[]): Promise<T | Refused> => callFor(context.caller, affected, delivered, run, waiting);
  let outcomes: InputOutcome[] = [];
  try {
    const replaced = entries.filter((input) => input.replacesFailed).map((input) => input.id);
    const ready = await call(entries, async () => {
      if (replaced.length > 0) await context.caller.call("deleteInputs", { ids: replaced });
      await context.ensureDatasets(entries);
    });
    if (ready === REFUSED) return delivered;
    try {
      outcomes = entries.length > 0 ? await sendBatch(context.caller, encoded) : [];
    } catch (error) {
      if (error instanceof UnreachableError) throw new UnreachableError(error.message, [...delivered, ...error.outcomes]);
      throw error;
    }
  } finally {
    // The call is over, retries included. A large request was sent from this memory, not
    // from a copy (see frameLargeRequestsInPlace); its stream is answered or reset, so
    // whatever of it may still be queued on the connection is read by no one.
    context.give(encoded.request.memory);
  }
  const deleted = new Set([...justDeleted, ...entries.filter((input) => input.replacesFailed).map((input) => input.id)]);
  const duplicates: InputOutcome[] = [];
  for (const outcome of outcomes) {
    if (outcome.status !== "duplicate") delivered.push({ ...outcome, status: outcome.status });
    else if (deleted.has(outcome.input.id)) {
      // Taken again right after its deletion: the platform may delete in the background,
      // and what it still shows under the id is on its way out. Not present: sent again next run.
      const message = `${outcome.input.accepted.candidate.source}: the server still had input ${outcome.input.id} right after it was deleted; the next run sends it again`;
      delivered.push({ input: outcome.input, digest: outcome.digest, status: "failed", reason: "delete_pending", message });
    } else duplicates.push(outcome);
  }
  if (duplicates.length === 0) return delivered;
  const resolution = await call(duplicates.map((outcome) => outcome.input), () => resolveDuplicates(context.caller, duplicates, context.idConflict, context.loggedDigest, context.namesake));
  if (resolution === REFUSED) return delivered;
  // Present inputs are settled once they are in the run's datasets; the others are settled now.
  const found = resolution.settled.filter((settled) => settled.status === "present" && settled.stored);
  delivered.push(...resolution.settled.filter((settled) => !found.includes(settled)));
  const added = await call(found.map((settled) => settled.input), () => addToDatasets(context, found), resolution.resend);
  if (added !== REFUSED) delivered.push(...found);
  if (resolution.resend.length === 0) return delivered;
  const cleared = resolution.deleteFirst.length === 0 ? undefined : await call(resolution.resend, () => context.caller.call("deleteInputs", { ids: resolution.deleteFirst }));
  if (cleared === REFUSED) return delivered;
  try {
    // A renamed input meets --id-conflict under its new id; any other is sent this once more.
    delivered.push(...(await deliverBatch(context, resolution.resend.map((input) => (input.renamed ? input : { ...input, resent: true })), new Set(resolution.deleteFirst))));
  } catch (error) {
    if (error instanceof UnreachableError) throw new UnreachableError(error.message, [...delivered, ...error.outcomes]);
    throw error;
  }
  return delivered;
}

/**
 * Puts inputs found present into the datasets this run names that they are not in yet
 * (PostDatasetInputs), as sending them would have: `folder imgs --dataset train` after
 * a plain upload of the same files fills the dataset.
 */
async function addToDatasets(context: DeliveryContext, found: readonly SettledDuplicate[]): Promise<void> {
  const missing = new Map<string, string[]>();
  for (const { input, stored } of found) {
    if (!stored) continue;
    for (const datasetId of datasetIdsFor(input, context.defaults)) {
      if ((stored.datasetIds ?? []).includes(datasetId)) continue;
      missing.set(datasetId, [...(missing.get(datasetId) ?? []), input.id]);
    }
  }
  for (const [datasetId, ids] of missing) {
    await context.caller.call("postDatasetInputs", { datasetId, datasetInputs: ids.map((id) => ({ createdAt: undefined, input: Input.fromPartial({ id }) })) });
  }
}

const REFUSED = Symbol("refused");
type Refused = typeof REFUSED;

/**
 * Runs a call other than PostInputs on behalf of `affected`: when the API stays out of
 * reach the run ends (with the states known, `waiting` ones failed too); a key it
 * refuses ends it too; a call it refuses fails those inputs, with its reason, and the
 * batch's others go on.
 */
async function callFor<T>(caller: Caller, affected: readonly PlannedInput[], delivered: Delivered[], run: () => Promise<T>, waiting: readonly PlannedInput[] = []): Promise<T | Refused> {
  try {
    return await run();
  } catch (error) {
    // Out of reach: retries ran out, or the connection check found nothing to talk to.
    const neverReached = error instanceof UploadError && error.code === "unreachable" && !caller.client.everAnswered;
    if (neverReached) throw error;
    if (error instanceof RetriesExhausted || (error instanceof UploadError && error.code === "unreachable")) {
      const unreachable = [...affected, ...waiting].map((input): Delivered => ({ input, status: "failed", reason: "unreachable", message: `${input.accepted.candidate.source}: ${error.message}` }));
      throw new UnreachableError(error.message, [...delivered, ...unreachable]);
    }
    if (!(error instanceof ApiError)) throw error;
    if (error.verdict === "auth") throw new UploadError("auth", error.message);
    for (const input of affected) delivered.push({ input, status: "failed", reason: "request_failed", message: `${input.accepted.candidate.source}: ${error.message}` });
    return REFUSED;
  }
}
