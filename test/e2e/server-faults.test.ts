import { status as grpcStatus, type ServiceError } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import type { FaultOptions } from "../../src/server/faults.js";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

async function withServer<T>(faults: FaultOptions, body: (t: TestServer) => Promise<T>): Promise<T> {
  const t = await startTestServer({ faults });
  try {
    return await body(t);
  } finally {
    await t.stop();
  }
}

const textInputs = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, data: { text: { raw: `text ${i}` } } }));

/** The outcome of a call: a Clarifai status code, or "grpc:<code>" for a transport error. */
async function outcome(call: Promise<{ status?: { code: number } | undefined }>): Promise<string> {
  try {
    return String((await call).status?.code);
  } catch (error) {
    return `grpc:${(error as ServiceError).code}`;
  }
}

describe("local server: fault injection", () => {
  it("throttle 1: every request is answered CONN_THROTTLED over gRPC OK and nothing is done", async () => {
    await withServer({ throttle: 1, seed: 1 }, async (t) => {
      const res = await t.api.postInputs({ inputs: textInputs("th", 2) });
      expect(res.status?.code).toBe(StatusCode.CONN_THROTTLED);
      expect(res.status?.description).toBe("Making too many requests");
      expect(res.inputs).toHaveLength(0);
      expect((await t.api.listInputs({})).status?.code).toBe(StatusCode.CONN_THROTTLED);
      expect(t.logs.some((l) => /fault injection: throttle 1/.test(l))).toBe(true);
    });
  });

  it("unavailable 1: every request fails with gRPC UNAVAILABLE", async () => {
    await withServer({ unavailable: 1, seed: 1 }, async (t) => {
      const error = await t.api.postInputs({ inputs: textInputs("un", 1) }).then(
        () => null,
        (e: ServiceError) => e,
      );
      expect(error?.code).toBe(grpcStatus.UNAVAILABLE);
    });
  });

  it("request faults are the same for the same seed", async () => {
    const run = (seed: number) =>
      withServer({ throttle: 0.3, unavailable: 0.2, seed }, async (t) => {
        const outcomes: string[] = [];
        for (let i = 0; i < 40; i++) outcomes.push(await outcome(t.api.listInputs({})));
        return outcomes;
      });
    const first = await run(21);
    expect(await run(21)).toEqual(first);
    expect(await run(22)).not.toEqual(first);
    expect(first).toContain(String(StatusCode.CONN_THROTTLED));
    expect(first).toContain(`grpc:${grpcStatus.UNAVAILABLE}`);
    expect(first).toContain(String(StatusCode.SUCCESS));
  });

  it("input failures: transient per-input INPUT_CONNECTION_FAILED in a MIXED_STATUS answer, seeded", async () => {
    const run = (seed: number) =>
      withServer({ inputFailure: 0.3, seed }, async (t) => {
        const res = await t.api.postInputs({ inputs: textInputs("in", 40) });
        expect(res.status?.code).toBe(StatusCode.MIXED_STATUS);
        const failed = res.inputs.filter((i) => i.status?.code === StatusCode.INPUT_CONNECTION_FAILED);
        expect(failed.length).toBeGreaterThan(3);
        expect(failed[0]?.status?.description).toMatch(/retry/);
        // A failed input was not created, so retrying it is not a duplicate; retries get through.
        let retry = failed.map((i) => ({ id: i.id, data: { text: { raw: "again" } } }));
        for (let attempt = 0; attempt < 30 && retry.length > 0; attempt++) {
          const again = await t.api.postInputs({ inputs: retry });
          expect(again.inputs.every((i) => i.status?.code !== StatusCode.INPUT_DUPLICATE)).toBe(true);
          retry = retry.filter((_, k) => again.inputs[k]?.status?.code === StatusCode.INPUT_CONNECTION_FAILED);
        }
        expect(retry).toHaveLength(0);
        expect((await t.api.getInputCount({})).counts).toBeDefined();
        const listed = await t.api.listInputs({ ids: textInputs("in", 40).map((i) => i.id), perPage: 100 });
        expect(listed.inputs).toHaveLength(40);
        return res.inputs.map((i) => i.status?.code);
      });
    const first = await run(5);
    expect(await run(5)).toEqual(first);
    expect(await run(6)).not.toEqual(first);
  });

  it("latency delays every response", async () => {
    await withServer({ latencyMs: 150 }, async (t) => {
      const started = Date.now();
      const res = await t.api.listDatasets({});
      expect(res.status?.code).toBe(StatusCode.SUCCESS);
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    });
  });
});
