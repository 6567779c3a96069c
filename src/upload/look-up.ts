import type { Caller } from "../api/caller.js";
import { describeStatus } from "../api/client.js";
import { storedDigest } from "./content-digest.js";
import { mapConcurrent } from "./map-concurrent.js";

/** The platform's largest page: 100,000 inputs are looked up in 100 calls. */
const IDS_PER_CALL = 1000;
const CALLS_IN_FLIGHT = 4;

/** An input the server has: its status, and the digest of the content it holds, when it carries one. */
export interface FoundInput {
  code: number;
  description: string;
  digest?: string;
}

/**
 * Looks inputs up by id (ListInputs) and returns what the server has of each: its status
 * and its content digest. Calls go a few at a time through the call layer (paced by the
 * job's --rps, retried).
 */
export async function lookUpStatuses(caller: Caller, ids: readonly string[]): Promise<Map<string, FoundInput>> {
  async function* pages(): AsyncGenerator<string[]> {
    for (let start = 0; start < ids.length; start += IDS_PER_CALL) yield ids.slice(start, start + IDS_PER_CALL);
  }
  const found = new Map<string, FoundInput>();
  const answers = mapConcurrent(pages(), CALLS_IN_FLIGHT, (page) => caller.call("listInputs", { ids: page, page: 1, perPage: IDS_PER_CALL, status: undefined }));
  for await (const answer of answers) {
    for (const input of answer.inputs) found.set(input.id, { code: input.status?.code ?? 0, description: describeStatus(input.status), digest: storedDigest(input.data?.metadata) });
  }
  return found;
}
