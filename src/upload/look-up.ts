import type { Caller } from "../api/caller.js";
import { describeStatus } from "../api/client.js";
import { mapConcurrent } from "./map-concurrent.js";

/** The platform's largest page: 100,000 inputs are looked up in 100 calls. */
const IDS_PER_CALL = 1000;
const CALLS_IN_FLIGHT = 4;

/**
 * Looks inputs up by id (ListInputs) and returns the status of each one the server has.
 * Calls go a few at a time through the call layer (paced by the job's --rps, retried).
 */
export async function lookUpStatuses(caller: Caller, ids: readonly string[]): Promise<Map<string, { code: number; description: string }>> {
  async function* pages(): AsyncGenerator<string[]> {
    for (let start = 0; start < ids.length; start += IDS_PER_CALL) yield ids.slice(start, start + IDS_PER_CALL);
  }
  const found = new Map<string, { code: number; description: string }>();
  const answers = mapConcurrent(pages(), CALLS_IN_FLIGHT, (page) => caller.call("listInputs", { ids: page, page: 1, perPage: IDS_PER_CALL, status: undefined }));
  for await (const answer of answers) {
    for (const input of answer.inputs) found.set(input.id, { code: input.status?.code ?? 0, description: describeStatus(input.status) });
  }
  return found;
}
