/**
 * Seeded, deterministic fault injection. The same seed and the same sequence of
 * requests give the same outcomes.
 *
 * - `unavailable` P: a request is answered with gRPC UNAVAILABLE (nothing done).
 * - `throttle` P: a request is answered with status CONN_THROTTLED (11005) over
 *   gRPC OK (nothing done), as the platform answers past its rate limit.
 * - `inputFailure` P: an input of a PostInputs request is not created and gets
 *   the per-input status INPUT_CONNECTION_FAILED (39996), a transient failure a
 *   client should retry; the response is MIXED_STATUS (or FAILURE if none was created).
 * - `inputFailed` P: the same, but the per-input status is INPUT_FAILED (30002), the
 *   platform's "try again" for an input of a PostInputs answer.
 * - `processingFailure` P: this share of input ids fail their first processing
 *   (INPUT_FAILED); posted again under the same id (after a delete), they succeed.
 * - `latencyMs`: every response is delayed by this many milliseconds.
 *
 * Request faults draw from one seeded stream, one draw per request. Input faults
 * are a hash of (seed, input id, attempt), so an input's fate does not depend on
 * how concurrent requests interleave; an input that failed N times is on its
 * attempt N+1 the next time it is posted.
 */
export interface FaultOptions {
  throttle?: number;
  unavailable?: number;
  inputFailure?: number;
  inputFailed?: number;
  processingFailure?: number;
  latencyMs?: number;
  seed?: number;
}

export type RequestFault = "unavailable" | "throttle";

export class Faults {
  readonly throttle: number;
  readonly unavailable: number;
  readonly inputFailure: number;
  readonly inputFailed: number;
  readonly processingFailure: number;
  readonly latencyMs: number;
  readonly seed: number;
  private readonly stream: () => number;
  private readonly attempts = new Map<string, number>();
  private readonly failedAttempts = new Map<string, number>();
  private readonly processingFailed = new Set<string>();

  constructor(options: FaultOptions = {}) {
    this.throttle = probability("throttle", options.throttle);
    this.unavailable = probability("unavailable", options.unavailable);
    this.inputFailure = probability("inputFailure", options.inputFailure);
    this.inputFailed = probability("inputFailed", options.inputFailed);
    this.processingFailure = probability("processingFailure", options.processingFailure);
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
    this.seed = (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    this.stream = mulberry32(this.seed);
  }

  /** True when any knob is set. */
  get enabled(): boolean {
    return this.throttle > 0 || this.unavailable > 0 || this.inputFailure > 0 || this.inputFailed > 0 || this.processingFailure > 0 || this.latencyMs > 0;
  }

  /** Decides the fate of one request (one draw when a request knob is set). */
  forRequest(): RequestFault | null {
    if (this.throttle <= 0 && this.unavailable <= 0) return null;
    const r = this.stream();
    if (r < this.unavailable) return "unavailable";
    if (r < this.unavailable + this.throttle) return "throttle";
    return null;
  }

  /** Decides whether this attempt at creating the input with this id fails transiently (INPUT_CONNECTION_FAILED). */
  inputFails(inputId: string): boolean {
    return this.attemptFails(inputId, this.inputFailure, this.attempts, "");
  }

  /** Decides whether this attempt at creating the input with this id is answered INPUT_FAILED ("try again"). */
  inputAnsweredFailed(inputId: string): boolean {
    return this.attemptFails(inputId, this.inputFailed, this.failedAttempts, "failed:");
  }

  /** Decides whether processing this input fails: only the first time, for a seeded share of ids. */
  processingFails(key: string): boolean {
    if (this.processingFailure <= 0 || this.processingFailed.has(key)) return false;
    if (hashToUnit(`${this.seed}:processing:${key}`) >= this.processingFailure) return false;
    this.processingFailed.add(key);
    return true;
  }

  private attemptFails(inputId: string, p: number, attempts: Map<string, number>, salt: string): boolean {
    if (p <= 0) return false;
    if (inputId === "") return this.stream() < p;
    const attempt = attempts.get(inputId) ?? 0;
    const fails = hashToUnit(`${this.seed}:${salt}${inputId}:${attempt}`) < p;
    if (fails) attempts.set(inputId, attempt + 1);
    else attempts.delete(inputId);
    return fails;
  }
}

function probability(name: string, value: number | undefined): number {
  const p = value ?? 0;
  if (!Number.isFinite(p) || p < 0 || p > 1) {
    throw new RangeError(`fault probability ${name} must be between 0 and 1, got ${String(value)}`);
  }
  return p;
}

/** mulberry32: a small, fast, seeded PRNG giving floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** cyrb53-style string hash mapped to [0, 1). */
export function hashToUnit(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const n = 2097152 * (h2 >>> 0) + (h1 >>> 0);
  return n / 2 ** 53;
}
