import { realClock, type Clock } from "./clock.js";

/** Without a limit set, a rate slowed down by throttling is lifted once it is back up to this. */
const UNLIMITED_AGAIN_AT = 1000;

/**
 * Token bucket: at most `ratePerSecond` acquisitions per second on average, with bursts
 * of up to `burst`. Waiters are served in order. When the server says it is throttling,
 * `slowDown` halves the rate; each request that goes through then wins back a little,
 * up to the rate the user set (additive increase, multiplicative decrease).
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private current: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst = Math.max(1, Math.ceil(ratePerSecond)),
    private readonly clock: Clock = realClock,
  ) {
    this.current = ratePerSecond;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  /** The rate in force now (0: no limit). */
  get rate(): number {
    return this.current;
  }

  /** Resolves when the caller may send one request. */
  acquire(signal?: AbortSignal): Promise<void> {
    if (!this.limited()) return Promise.resolve();
    const turn = this.queue.then(() => this.take(signal));
    // A waiter that gave up must not hold up the ones behind it.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * The server answered CONN_THROTTLED: halve the rate, at least one request a second.
   * Without a limit, start from the platform's default of 15 per second.
   */
  slowDown(platformDefault = 15): void {
    const from = this.limited() ? this.current : platformDefault;
    this.current = Math.max(1, from / 2);
    this.tokens = Math.min(this.tokens, 1);
  }

  /** A request went through: win back half a request per second, up to the set rate (or no limit again). */
  recover(): void {
    if (this.current === this.ratePerSecond) return;
    const next = this.current + 0.5;
    const ceiling = this.ratePerSecond > 0 ? this.ratePerSecond : UNLIMITED_AGAIN_AT;
    this.current = next >= ceiling ? this.ratePerSecond : next;
  }

  private limited(): boolean {
    return Number.isFinite(this.current) && this.current > 0;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.current) * 1000), signal);
    }
  }

  private refill(): void {
    const now = this.clock.now();
    const burst = Math.max(1, Math.min(this.burst, Math.ceil(this.current)));
    this.tokens = Math.min(burst, this.tokens + ((now - this.last) / 1000) * this.current);
    this.last = now;
  }
}
