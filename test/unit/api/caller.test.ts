import { describe, expect, it } from "vitest";
import { Caller, RetriesExhausted } from "../../../src/api/caller.js";
import { ApiError, type ClarifaiClient } from "../../../src/api/client.js";
import type { Clock } from "../../../src/api/clock.js";
import { UploadError } from "../../../src/errors.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";

/** A clock whose sleeps pass at once and are recorded; time moves only by those sleeps. */
function fakeClock(): Clock & { slept: number[]; time: number } {
  const clock = {
    time: 0,
    slept: [] as number[],
    now: () => clock.time,
    async sleep(ms: number, signal?: AbortSignal): Promise<void> {
      signal?.throwIfAborted();
      clock.slept.push(ms);
      clock.time += ms;
    },
  };
  return clock;
}

/** A client whose `call` answers from a script: an error to throw, or a value to return. */
function scriptedClient(script: Array<Error | object>): ClarifaiClient & { calls: number; cancelled: number } {
  const client = {
    calls: 0,
    cancelled: 0,
    async call(): Promise<object> {
      const next = script[client.calls++] ?? {};
      if (next instanceof Error) throw next;
      return next;
    },
    cancelAll(): void {
      client.cancelled++;
    },
  };
  return client as unknown as ClarifaiClient & { calls: number; cancelled: number };
}

const policy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0.5 };
const transient = (): ApiError => new ApiError("unavailable", "retry", undefined, 14);
const throttled = (): ApiError => new ApiError("CONN_THROTTLED", "retry", StatusCode.CONN_THROTTLED);

describe("Caller", () => {
  it("retries transient failures with jittered exponential backoff, then answers", async () => {
    const clock = fakeClock();
    const client = scriptedClient([transient(), transient(), { ok: true }]);
    const retries: number[] = [];
    const caller = new Caller(client, { rps: 0, retry: policy, clock, onRetry: (_message, attempt) => retries.push(attempt) });
    await expect(caller.call("listInputs", { ids: [], page: 1, perPage: 1, status: undefined })).resolves.toEqual({ ok: true });
    expect(client.calls).toBe(3);
    expect(retries).toEqual([1, 2]);
    // Half of 100 ms, then half of 200 ms (random() is 0.5).
    expect(clock.slept).toEqual([50, 100]);
  });

  it("does not retry answers that retrying cannot change", async () => {
    const clock = fakeClock();
    const client = scriptedClient([new ApiError("bad", "fatal", StatusCode.INPUT_INVALID_ARGUMENT)]);
    const caller = new Caller(client, { rps: 0, retry: policy, clock });
    await expect(caller.call("getDataset", { datasetId: "d" })).rejects.toMatchObject({ verdict: "fatal" });
    expect(client.calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });

  it("gives up after --max-retries with the last failure", async () => {
    const clock = fakeClock();
    const client = scriptedClient([transient(), transient(), transient(), transient(), { never: true }]);
    const caller = new Caller(client, { rps: 0, retry: policy, clock });
    const failure = await caller.call("getDataset", { datasetId: "d" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriesExhausted);
    expect((failure as RetriesExhausted).lastError?.message).toBe("unavailable");
    expect(client.calls).toBe(4);
  });

  it("paces calls at --rps, and halves the rate when the server throttles", async () => {
    const clock = fakeClock();
    const client = scriptedClient([{}, {}, {}, {}, throttled(), {}]);
    const caller = new Caller(client, { rps: 2, retry: { ...policy, random: () => 0 }, clock });
    for (let i = 0; i < 4; i++) await caller.call("getDataset", { datasetId: "d" });
    // A burst of two, then one every 500 ms.
    expect(clock.time).toBe(1000);
    expect(caller.limiter.rate).toBe(2);
    await caller.call("getDataset", { datasetId: "d" });
    expect(caller.limiter.rate).toBeGreaterThanOrEqual(1);
    expect(caller.limiter.rate).toBeLessThan(2);
  });

  it("starts from the platform's 15 per second when throttled without a limit", () => {
    const caller = new Caller(scriptedClient([]), { rps: 0, retry: policy, clock: fakeClock() });
    caller.limiter.slowDown();
    expect(caller.limiter.rate).toBe(7.5);
    for (let i = 0; i < 2000; i++) caller.limiter.recover();
    expect(caller.limiter.rate).toBe(0);
  });

  it("retries what an attempt asks to try again, and stops at once when cancelled", async () => {
    const clock = fakeClock();
    const cancel = new AbortController();
    const client = scriptedClient([]);
    const caller = new Caller(client, { rps: 0, retry: policy, clock, cancel: cancel.signal });
    let tries = 0;
    const done = caller.retrying(async (attempt) => {
      tries++;
      if (attempt === 1) cancel.abort();
      return { again: "input 7 failed transiently" };
    });
    const failure = await done.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UploadError);
    expect((failure as UploadError).code).toBe("interrupted");
    expect(tries).toBe(2);
    expect(client.cancelled).toBe(1);
  });

  it("after the first Ctrl-C lets the call in flight end, but tries nothing again", async () => {
    const clock = fakeClock();
    const stop = new AbortController();
    const client = scriptedClient([transient(), transient(), {}]);
    const caller = new Caller(client, { rps: 0, retry: policy, clock, stop: stop.signal });
    const done = caller.retrying(async () => {
      stop.abort();
      return { done: await client.call("listInputs", {}) };
    });
    const failure = await done.catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RetriesExhausted);
    expect((failure as RetriesExhausted).stopped).toBe(true);
    expect((failure as RetriesExhausted).message).toBe("not tried again: the run was stopped (unavailable)");
    expect(client.calls).toBe(1);
    expect(clock.slept).toEqual([]);
    // Nothing stopped: the same failures are tried again.
    const steady = scriptedClient([transient(), transient(), { ok: true }]);
    expect(await new Caller(steady, { rps: 0, retry: policy, clock: fakeClock(), stop: new AbortController().signal }).call("listInputs", {})).toEqual({ ok: true });
  });
});
