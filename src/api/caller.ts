import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { UploadError } from "../errors.js";
import { ApiError, type ClarifaiClient, type RequestOf, type ResponseOf, type RpcName } from "./client.js";
import { realClock, type Clock } from "./clock.js";
import { RateLimiter } from "./rate-limiter.js";
import { backoffDelay, type RetryPolicy } from "./retry.js";
import { status as GrpcCode } from "@grpc/grpc-js";

/** What one attempt of a retried operation came to: done, or to be tried again and why. */
export type Attempt<T> = { done: T } | { again: string; throttled?: boolean; wholeRequest?: boolean };

export interface CallerOptions {
  /** Requests per second at most; 0: no limit. */
  rps: number;
  retry: RetryPolicy;
  /** Hears of every retry, before its wait. */
  onRetry?: (message: string, attempt: number, delayMs: number) => void;
  /** Aborted by the second Ctrl-C: waits end and calls in flight are cancelled. */
  cancel?: AbortSignal;
  /** Aborted by the first Ctrl-C (or SIGTERM): calls in flight may finish, but none is tried again. */
  stop?: AbortSignal;
  clock?: Clock;
}

/**
 * Every retry of an operation failed transiently, or (`stopped`) the run was stopped by
 * a first Ctrl-C and what failed was not tried again. `lastError` is the last failure of
 * the call itself, if it was one; `wholeRequest` says the last answer refused the whole
 * request (throttled, a server-side code) rather than some of its inputs.
 */
export class RetriesExhausted extends Error {
  constructor(
    readonly retries: number,
    why: string,
    readonly lastError?: ApiError,
    readonly wholeRequest = lastError !== undefined,
    readonly stopped = false,
  ) {
    super("");
    this.message = this.because(why);
    this.name = "RetriesExhausted";
  }

  /** This outcome, said with another reason (one input's own, rather than the request's last). */
  because(why: string): string {
    return this.stopped ? `not tried again: the run was stopped (${why})` : `gave up after ${this.retries} retries (${why})`;
  }
}

/**
 * The one call layer every RPC of the tool goes through: pacing by `--rps`, retries of
 * transient failures with jittered exponential backoff, slowing down when the server
 * throttles, and cancellation. No stage builds its own retry loop or rate limiter.
 */
export class Caller {
  readonly limiter: RateLimiter;
  private readonly clock: Clock;
  /** What ends a backoff wait: either Ctrl-C. */
  private readonly waitEnds: AbortSignal | undefined;

  constructor(
    readonly client: ClarifaiClient,
    private readonly options: CallerOptions,
  ) {
    this.clock = options.clock ?? realClock;
    this.limiter = new RateLimiter(options.rps, undefined, this.clock);
    const ends = [options.cancel, options.stop].filter((signal) => signal !== undefined);
    this.waitEnds = ends.length > 1 ? AbortSignal.any(ends) : ends[0];
    options.cancel?.addEventListener("abort", () => client.cancelAll(), { once: true });
  }

  get retryPolicy(): RetryPolicy {
    return this.options.retry;
  }

  /** One RPC whose answer must be SUCCESS, paced and retried; throws ApiError (or UploadError once cancelled). */
  call<K extends RpcName>(rpc: K, request: Omit<RequestOf<K>, "userAppId">): Promise<ResponseOf<K>> {
    return this.retrying(async () => ({ done: await this.client.call(rpc, request) }));
  }

  /**
   * Runs `attempt` until it is done: each try is paced by the rate limiter; a try that
   * asks to go again, or whose call failed with a transient ApiError, waits a backoff
   * and goes again, at most `retry.maxRetries` times, then RetriesExhausted. Other
   * errors pass through at once.
   */
  async retrying<T>(attempt: (tryNumber: number) => Promise<Attempt<T>>): Promise<T> {
    const { retry, cancel } = this.options;
    let lastError: ApiError | undefined;
    let wholeRequest = false;
    for (let tryNumber = 0; ; tryNumber++) {
      let why: string;
      let throttled = false;
      if (cancel?.aborted) throw new UploadError("interrupted", "cancelled");
      try {
        await this.limiter.acquire(cancel);
        const outcome = await attempt(tryNumber);
        if ("done" in outcome) {
          this.limiter.recover();
          return outcome.done;
        }
        why = outcome.again;
        throttled = outcome.throttled ?? false;
        wholeRequest = outcome.wholeRequest ?? false;
        lastError = undefined;
      } catch (error) {
        this.throwIfCancelled(error);
        if (!(error instanceof ApiError) || error.verdict !== "retry") throw error;
        why = error.message;
        throttled = isThrottling(error);
        lastError = error;
        wholeRequest = true;
      }
      if (throttled) this.limiter.slowDown();
      if (tryNumber >= retry.maxRetries) throw new RetriesExhausted(retry.maxRetries, why, lastError, wholeRequest);
      this.throwIfStopped(tryNumber, why, lastError, wholeRequest);
      const delay = backoffDelay(retry, tryNumber);
      this.options.onRetry?.(why, tryNumber + 1, delay);
      try {
        await this.clock.sleep(delay, this.waitEnds);
      } catch (error) {
        this.throwIfCancelled(error);
        this.throwIfStopped(tryNumber, why, lastError, wholeRequest);
        throw error;
      }
    }
  }

  /** A stop after the first Ctrl-C: what would have been tried again is not. */
  private throwIfStopped(tries: number, why: string, lastError: ApiError | undefined, wholeRequest: boolean): void {
    if (this.options.stop?.aborted) throw new RetriesExhausted(tries, why, lastError, wholeRequest, true);
  }

  private throwIfCancelled(error: unknown): void {
    if (this.options.cancel?.aborted) throw new UploadError("interrupted", "cancelled", { cause: error });
  }
}

function isThrottling(error: ApiError): boolean {
  return error.statusCode === StatusCode.CONN_THROTTLED || error.grpcCode === GrpcCode.RESOURCE_EXHAUSTED;
}
