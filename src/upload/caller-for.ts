import { Caller } from "../api/caller.js";
import type { ClarifaiClient } from "../api/client.js";
import { DEFAULT_RETRY_POLICY } from "../api/retry.js";
import type { EventBus } from "./events.js";

/** The call layer of one command: its --rps and --max-retries, retries told to the reporters. */
export function callerFor(client: ClarifaiClient, options: { rps: number; maxRetries?: number; bus?: EventBus; cancel?: AbortSignal; stop?: AbortSignal }): Caller {
  return new Caller(client, {
    rps: options.rps,
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries },
    onRetry: options.bus && ((message, attempt, delayMs) => options.bus?.emit({ type: "retry", message, attempt, delayMs })),
    cancel: options.cancel,
    stop: options.stop,
  });
}
