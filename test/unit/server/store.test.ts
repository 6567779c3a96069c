import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Data } from "../../../src/gen/clarifai/api/resources.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import { type PlannedInput, Store } from "../../../src/server/store.js";

const scope = { userId: "u", appId: "a" };
const other = { userId: "u", appId: "b" };

function data(partial: Partial<Data> = {}): Data {
  return {
    image: undefined,
    video: undefined,
    concepts: [],
    metadata: undefined,
    geo: undefined,
    regions: [],
    text: undefined,
    audio: undefined,
    parts: [],
    ...partial,
  };
}

function planned(id: string, extra: Partial<PlannedInput> = {}): PlannedInput {
  return {
    requestedId: id,
    data: data({ text: { raw: "", url: "", allowDuplicateUrl: false, hosted: undefined, textInfo: undefined } }),
    kind: null,
    blobFile: null,
    mediaBlob: null,
    textBlob: null,
    url: null,
    allowDuplicateUrl: false,
    datasetIds: [],
    ...extra,
  };
}

describe("server store", () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "clarifai-store-test-"));
    store = await Store.open(dir);
  });
  afterEach(async () => {
    store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the database and 256 blob folders", async () => {
    const entries = await readdir(dir);
    expect(entries).toContain("clarifai.sqlite");
    expect((await readdir(join(dir, "blobs"))).length).toBe(256);
  });

  it("adds inputs pending, refuses duplicate ids, and counts them in the job", () => {
    const first = store.addInputs(scope, "job1", [planned("a"), planned("b"), planned("a")], false);
    expect(first.outcomes.map((o) => o.ok)).toEqual([true, true, false]);
    expect(first.outcomes[2]).toMatchObject({ ok: false, code: StatusCode.INPUT_DUPLICATE });
    expect(first.job).toMatchObject({ id: "job1", pending: 2, in_progress: 0, success: 0, failed: 0 });
    const second = store.addInputs(scope, "job1", [planned("a"), planned("c")], false);
    expect(second.outcomes.map((o) => o.ok)).toEqual([false, true]);
    expect(second.job.pending).toBe(3);
    // Namespaces are separate.
    expect(store.addInputs(other, "job1", [planned("a")], false).outcomes[0]?.ok).toBe(true);
    expect(store.inputs.get(scope, "a")?.status_code).toBe(StatusCode.INPUT_PENDING);
  });

  it("with suffix, an existing id becomes id-1..id-9, then a random suffix", () => {
    store.addInputs(scope, "j", [planned("x")], false);
    const ids: string[] = [];
    for (let n = 0; n < 10; n++) {
      const outcome = store.addInputs(scope, "j", [planned("x")], true).outcomes[0];
      if (outcome?.ok) ids.push(outcome.id);
    }
    expect(ids.slice(0, 9)).toEqual(["x-1", "x-2", "x-3", "x-4", "x-5", "x-6", "x-7", "x-8", "x-9"]);
    expect(ids[9]).toMatch(/^x-[0-9a-f]{8}$/);
    // The same id twice in one request is still a duplicate.
    const twice = store.addInputs(scope, "j", [planned("y"), planned("y")], true);
    expect(twice.outcomes.map((o) => o.ok)).toEqual([true, false]);
  });

  it("refuses a second input with the same URL unless allowed", () => {
    const url = "http://127.0.0.1:1/a.jpg";
    const r1 = store.addInputs(scope, "j", [planned("u1", { url }), planned("u2", { url })], false);
    expect(r1.outcomes.map((o) => o.ok)).toEqual([true, false]);
    const r2 = store.addInputs(scope, "j", [planned("u3", { url, allowDuplicateUrl: true })], false);
    expect(r2.outcomes[0]?.ok).toBe(true);
    const r3 = store.addInputs(scope, "j", [planned("u4", { url })], false);
    expect(r3.outcomes[0]?.ok).toBe(false);
  });

  it("assigns random hex ids to inputs without one", () => {
    const r = store.addInputs(scope, "j", [planned(""), planned("")], false);
    const ids = r.outcomes.map((o) => (o.ok ? o.id : ""));
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).not.toBe(ids[0]);
  });

  it("claim and finish move the job counters; a deleted input leaves them", () => {
    store.addInputs(scope, "j", [planned("a"), planned("b"), planned("c"), planned("d")], false);
    const claimed = store.claim(3, Date.now());
    expect(claimed.map((r) => r.id)).toEqual(["a", "b", "c"]);
    expect(store.jobs.get(scope, "j")).toMatchObject({ pending: 1, in_progress: 3 });
    store.deleteInputs(scope, ["c", "d"]);
    expect(store.jobs.get(scope, "j")).toMatchObject({ pending: 0, in_progress: 3 });
    const [a, b, c] = claimed;
    if (a === undefined || b === undefined || c === undefined) throw new Error("claim");
    store.finish([
      { seq: a.seq, scope, jobId: "j", code: StatusCode.INPUT_SUCCESS, description: "ok", data: null },
      { seq: b.seq, scope, jobId: "j", code: StatusCode.INPUT_FAILED, description: "bad", data: null },
      { seq: c.seq, scope, jobId: "j", code: StatusCode.INPUT_SUCCESS, description: "ok", data: null },
    ]);
    expect(store.jobs.get(scope, "j")).toMatchObject({ pending: 0, in_progress: 0, success: 1, failed: 1 });
    expect(store.inputs.get(scope, "b")).toMatchObject({ status_code: StatusCode.INPUT_FAILED, status_description: "bad" });
    expect(store.inputs.countsByStatus(scope)).toEqual(
      new Map([
        [StatusCode.INPUT_SUCCESS, 1],
        [StatusCode.INPUT_FAILED, 1],
      ]),
    );
  });

  it("only claims inputs old enough", () => {
    store.addInputs(scope, "j", [planned("a")], false);
    expect(store.claim(10, Date.now() - 60_000)).toEqual([]);
    expect(store.inputs.oldestPendingCreatedMs()).toBeGreaterThan(0);
    expect(store.claim(10, Date.now()).length).toBe(1);
  });

  it("cancelling a job fails its pending inputs", () => {
    store.addInputs(scope, "j", [planned("a"), planned("b")], false);
    store.claim(1, Date.now());
    const job = store.cancelJob(scope, "j");
    expect(job).toMatchObject({ pending: 0, in_progress: 1, failed: 1, cancelled: 1 });
    expect(store.inputs.get(scope, "b")?.status_code).toBe(StatusCode.INPUT_FAILED);
    expect(store.cancelJob(scope, "nope")).toBeUndefined();
  });

  it("keeps everything across a reopen and puts in-progress inputs back to pending", async () => {
    store.createDatasets(scope, [{ id: "ds", description: "d", notes: "", metadata: { k: 1 } }]);
    store.addInputs(scope, "j", [planned("a", { datasetIds: ["ds"] }), planned("b")], false);
    store.claim(1, Date.now());
    store.close();
    store = await Store.open(dir);
    expect(store.recover()).toBe(1);
    expect(store.jobs.get(scope, "j")).toMatchObject({ pending: 2, in_progress: 0 });
    expect(store.inputs.get(scope, "a")?.status_code).toBe(StatusCode.INPUT_PENDING);
    expect(store.datasets.get(scope, "ds")).toMatchObject({ id: "ds", description: "d", metadata: { k: 1 } });
    expect(store.datasets.memberships(scope, ["a", "b"])).toEqual(new Map([["a", ["ds"]]]));
  });

  it("creates datasets all or none", () => {
    expect(store.createDatasets(scope, [{ id: "d1", description: "", notes: "", metadata: undefined }]).existing).toEqual([]);
    const again = store.createDatasets(scope, [
      { id: "d2", description: "", notes: "", metadata: undefined },
      { id: "d1", description: "", notes: "", metadata: undefined },
    ]);
    expect(again.existing).toEqual(["d1"]);
    expect(store.datasets.get(scope, "d2")).toBeUndefined();
  });
});
