import { describe, expect, it } from "vitest";
import { Caller, RetriesExhausted } from "../../../src/api/caller.js";
import { UnreachableError } from "../../../src/upload/delivered.js";
import { ApiError, type ClarifaiClient } from "../../../src/api/client.js";
import { PostInputsRequest, type MultiInputResponse } from "../../../src/gen/clarifai/api/service.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import type { PlannedInput } from "../../../src/plan/batcher.js";
import { deliverBatch, type DeliveryContext } from "../../../src/upload/deliver.js";
import { digestOf } from "../../../src/upload/content-digest.js";

function planned(id: string, text: string): PlannedInput {
  const candidate = { source: `/data/${id}.txt`, relPath: `${id}.txt`, content: { kind: "text" as const, text }, fingerprint: "f" };
  return { id, accepted: { status: "accepted", candidate, kind: "text", format: "txt", size: text.length, warnings: [] }, requestBytes: 0 };
}

const status = (code: number) => ({ code, description: "", details: "", stackTrace: [], percentCompleted: 0, timeRemaining: 0, reqId: "", internalDetails: "", redirectInfo: undefined, developerNotes: "" });

/** A client that answers PostInputs from a script of per-id codes, and records every call. */
function fakeClient(answers: Array<Record<string, number>>, stored: Record<string, string>) {
  const log: string[] = [];
  let posts = 0;
  const client = {
    userAppId: { userId: "u", appId: "a" },
    async postEncodedInputs(request: Buffer): Promise<MultiInputResponse> {
      const ids = PostInputsRequest.decode(request).inputs.map((input) => input.id);
      log.push(`post ${ids.join(",")}`);
      const codes = answers[posts++] ?? {};
      const inputs = ids.map((id) => ({ id, status: status(codes[id] ?? StatusCode.INPUT_PENDING) }));
      const mixed = inputs.some((input) => input.status.code !== StatusCode.INPUT_PENDING);
      return { status: status(mixed ? StatusCode.MIXED_STATUS : StatusCode.SUCCESS), inputs } as unknown as MultiInputResponse;
    },
    async call(rpc: string, request: { ids?: string[]; datasetId?: string }) {
      log.push(`${rpc} ${request.ids?.join(",") ?? request.datasetId ?? ""}`);
      if (rpc === "postDatasetInputs") throw new ApiError("postDatasetInputs: refused", "fatal", StatusCode.INPUT_INVALID_ARGUMENT);
      if (rpc === "listInputs" && request.ids) return { inputs: request.ids.filter((id) => id in stored).map((id) => ({ id, data: { metadata: { content_sha256: stored[id] } } })) };
      return {};
    },
    cancelAll() {},
  };
  return { client: client as unknown as ClarifaiClient, log };
}

function context(client: ClarifaiClient, idConflict: DeliveryContext["idConflict"]): DeliveryContext {
  return {
    caller: new Caller(client, { rps: 0, retry: { maxRetries: 3, baseDelayMs: 0, maxDelayMs: 0 } }),
    defaults: { concepts: [], labelsFromFolder: false, metadata: {}, allowDuplicateUrl: false },
    idConflict,
    header: { userAppId: { userId: "u", appId: "a" }, inputsAddJobId: "job", inputIdConflictResolution: 0 },
    take: (size) => Buffer.alloc(size),
    give: () => undefined,
    ensureDatasets: async () => undefined,
    loggedDigest: () => undefined,
  };
}

describe("deliverBatch", () => {
  it("retries only the inputs answered INPUT_FAILED, and replaces one whose id holds other content", async () => {
    const { client, log } = fakeClient(
      [{ b: StatusCode.INPUT_FAILED, c: StatusCode.INPUT_DUPLICATE }, {}, {}],
      { c: "f".repeat(64) },
    );
    const inputs = [planned("a", "one"), planned("b", "two"), planned("c", "three")];
    const delivered = await deliverBatch(context(client, "replace"), inputs);
    expect(log).toEqual(["post a,b,c", "post b", "listInputs c", "deleteInputs c", "post c"]);
    expect(delivered.map((d) => [d.input.id, d.status])).toEqual([["a", "uploaded"], ["b", "uploaded"], ["c", "uploaded"]]);
    expect(delivered.find((d) => d.input.id === "c")?.digest).toBe(digestOf("three"));
  });

  it("settles a duplicate holding the same content as present, and reports another as a conflict", async () => {
    const { client, log } = fakeClient([{ a: StatusCode.INPUT_DUPLICATE, b: StatusCode.INPUT_DUPLICATE }], { a: digestOf("one"), b: "f".repeat(64) });
    const delivered = await deliverBatch(context(client, "fail"), [planned("a", "one"), planned("b", "two")]);
    expect(log).toEqual(["post a,b", "listInputs a,b"]);
    expect(delivered.map((d) => [d.input.id, d.status]).sort()).toEqual([["a", "present"], ["b", "conflict"]]);
  });

  it("gives every input a state when putting present inputs into the run's dataset is refused", async () => {
    const { client, log } = fakeClient([{ a: StatusCode.INPUT_DUPLICATE, b: StatusCode.INPUT_DUPLICATE }], { a: digestOf("one"), b: "f".repeat(64) });
    const withDataset = { ...context(client, "suffix"), defaults: { concepts: [], labelsFromFolder: false, metadata: {}, allowDuplicateUrl: false, datasetId: "ds" } };
    const delivered = await deliverBatch(withDataset, [planned("a", "one"), planned("b", "two")]);
    expect(log).toEqual(["post a,b", "listInputs a,b", "postDatasetInputs ds", `post b-${digestOf("two").slice(0, 8)}`]);
    expect(delivered.map((d) => [d.input.id, d.status, d.reason])).toEqual([
      ["a", "failed", "request_failed"],
      [`b-${digestOf("two").slice(0, 8)}`, "uploaded", undefined],
    ]);
  });

  it("gives an unreadable input one state when the API goes out of reach before sending", async () => {
    const { client } = fakeClient([], {});
    const unreachable = { ...context(client, "fail"), ensureDatasets: async () => Promise.reject(new RetriesExhausted(3, "unavailable")) };
    const broken: PlannedInput = { ...planned("bad", "x"), accepted: { ...planned("bad", "x").accepted, candidate: { source: "/data/bad.png", relPath: "bad.png", fingerprint: "f", content: { kind: "bytes", bytes: { size: 3, head: async () => Buffer.alloc(0), all: async () => Buffer.alloc(0), readInto: async () => Promise.reject(new Error("gone")), async *chunks() {} } } }, kind: "image", size: 3 } };
    const failure = await deliverBatch(unreachable, [broken, planned("good", "one")]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UnreachableError);
    expect((failure as UnreachableError).outcomes.map((d) => [d.input.id, d.reason])).toEqual([
      ["bad", "unreadable"],
      ["good", "unreachable"],
    ]);
  });

  it("gives up on an input that keeps failing transiently, naming its file", async () => {
    const always = { a: StatusCode.INPUT_FAILED };
    const { client } = fakeClient([always, always, always, always, always], {});
    const [only] = await deliverBatch(context(client, "fail"), [planned("a", "one")]);
    expect(only).toMatchObject({ status: "failed", reason: "retries_exhausted" });
    expect(only?.message).toContain("/data/a.txt");
  });
});
