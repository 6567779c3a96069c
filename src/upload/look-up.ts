import type { ClarifaiClient } from "../api/client.js";
import { RateLimiter } from "../api/rate-limiter.js";
import { DEFAULT_RETRY_POLICY, withRetry } from "../api/retry.js";
import { mapConcurrent } from "./map-concurrent.js";

/** The platform's largest page: 100,000 inputs are looked up in 100 calls. */
const IDS_PER_CALL = 1000;
const CALLS_IN_FLIGHT = 4;

/**
 * Looks inputs up by id (ListInputs) and returns the status code of each one the server
 * has. Calls go a few at a time, at most `rps` per second (0: no limit), each retried
 * like an upload's requests.
 */
export async function lookUpStatuses(client: ClarifaiClient, ids: readonly string[], rps: number): Promise<Map<string, number>> {
  const limiter = new RateLimiter(rps);
  async function* pages(): AsyncGenerator<string[]> {
    for (let start = 0; start < ids.length; start += IDS_PER_CALL) yield ids.slice(start, start + IDS_PER_CALL);
  }
  const found = new Map<string, number>();
  const answers = mapConcurrent(pages(), CALLS_IN_FLIGHT, (page) =>
    withRetry(async () => {
      await limiter.acquire();
      return client.call("listInputs", { ids: page, page: 1, perPage: IDS_PER_CALL, status: undefined });
    }, DEFAULT_RETRY_POLICY),
  );
  for await (const answer of answers) {
    for (const input of answer.inputs) found.set(input.id, input.status?.code ?? 0);
  }
  return found;
}
