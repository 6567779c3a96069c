import { setTimeout as sleep } from "node:timers/promises";
import { ApiError } from "./client.js";

export interface RetryPolicy {
  /** Attempts after the first one. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Jitter source in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 8, baseDelayMs: 250, maxDelayMs: 20_000 };

/** "Full jitter" exponential backoff: a random delay in [0, min(max, base * 2^attempt)). */
export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor((policy.random ?? Math.random)() * ceiling);
}

/**
 * Runs `operation` until it succeeds, retrying only errors whose verdict is `retry`.
 * `onRetry` hears about each retry (for the reporter).
 */
export async function withRetry<T>(
  operation: () => Promise<T>,
  policy: RetryPolicy,
  onRetry?: (error: ApiError, attempt: number, delayMs: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (!(error instanceof ApiError) || error.verdict !== "retry" || attempt >= policy.maxRetries) throw error;
      const delay = backoffDelay(policy, attempt);
      onRetry?.(error, attempt + 1, delay);
      await sleep(delay, undefined, { signal });
    }
  }
}
