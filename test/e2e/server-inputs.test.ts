import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputIDConflictResolution } from "../../src/gen/clarifai/api/resources.js";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { makePng, makeWav, startTestServer, type TestServer, TINY_JPEG, waitFor } from "../helpers/server.js";

describe("local server: inputs", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  const jobDone = (id: string) =>
    waitFor(
      () => t.api.getInputsAddJob({ id }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );

  it("PostInputs creates pending inputs with a job; processing makes them INPUT_SUCCESS", async () => {
    const res = await t.api.postInputs({
      inputs: [
        { id: "img-1", data: { image: { base64: TINY_JPEG }, metadata: { split: "train" } } },
        { id: "img-2", data: { image: { base64: makePng(4, 3) }, concepts: [{ id: "cat", value: 1 }] } },
        { id: "txt-1", data: { text: { raw: "hello wörld" } } },
        { id: "wav-1", data: { audio: { base64: makeWav() } } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(res.inputs.map((i) => i.id)).toEqual(["img-1", "img-2", "txt-1", "wav-1"]);
    expect(res.inputs.every((i) => i.status?.code === StatusCode.INPUT_PENDING)).toBe(true);
    expect(res.inputs[0]?.data?.image?.base64.length).toBe(0);
    expect(res.inputs[0]?.createdAt).toBeInstanceOf(Date);
    const job = res.inputsAddJob;
    expect(job?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(job?.progress?.pendingCount).toBe(4);

    const done = await jobDone(job?.id ?? "");
    expect(done.inputsAddJob?.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 4, failedCount: 0 });

    const got = await t.api.getInput({ inputId: "img-1" });
    expect(got.status?.code).toBe(StatusCode.SUCCESS);
    expect(got.status?.reqId).toMatch(/^[0-9a-f]{32}$/);
    expect(got.input?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(Buffer.compare(got.input?.data?.image?.base64 ?? Buffer.alloc(0), TINY_JPEG)).toBe(0);
    expect(got.input?.data?.image?.imageInfo).toMatchObject({ width: 8, height: 8, format: "JPEG" });
    expect(got.input?.data?.metadata).toEqual({ split: "train" });
    const png = await t.api.getInput({ inputId: "img-2" });
    expect(png.input?.data?.image?.imageInfo).toMatchObject({ width: 4, height: 3, format: "PNG" });
    expect(png.input?.data?.concepts.map((c) => c.id)).toEqual(["cat"]);
    const text = await t.api.getInput({ inputId: "txt-1" });
    expect(text.input?.data?.text?.raw).toBe("hello wörld");
    expect(text.input?.data?.text?.textInfo).toMatchObject({ charCount: 11, encoding: "UTF8" });
    const wav = await t.api.getInput({ inputId: "wav-1" });
    expect(wav.input?.data?.audio?.audioInfo).toMatchObject({ audioFormat: "WAV", sampleRate: 8000 });
    // Concepts posted with an input become an input-level annotation, as on the platform.
    const annotations = await t.api.listAnnotations({ inputIds: ["img-2"] });
    expect(annotations.annotations).toHaveLength(1);
    expect(annotations.annotations[0]).toMatchObject({ inputId: "img-2", inputLevel: true });
  });

  it("GetInput of an unknown id answers CONN_DOES_NOT_EXIST", async () => {
    const res = await t.api.getInput({ inputId: "no-such-input" });
    expect(res.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    expect(res.input).toBeUndefined();
  });

  it("an inputs_add_job_id is created, then extended", async () => {
    const a = await t.api.postInputs({
      inputsAddJobId: "my-job",
      inputs: [{ id: "j-1", data: { image: { base64: makePng(2, 2, 1) } } }],
    });
    expect(a.inputsAddJob?.id).toBe("my-job");
    const b = await t.api.postInputs({
      inputsAddJobId: "my-job",
      inputs: [
        { id: "j-2", data: { image: { base64: makePng(2, 2, 2) } } },
        { id: "j-3", data: { image: { base64: makePng(2, 2, 3) } } },
      ],
    });
    expect(b.inputsAddJob?.id).toBe("my-job");
    const done = await jobDone("my-job");
    expect(done.inputsAddJob?.progress?.successCount).toBe(3);
    const list = await t.api.listInputsAddJobs({});
    expect(list.status?.code).toBe(StatusCode.SUCCESS);
    expect(list.inputsAddJobs.map((j) => j.id)).toContain("my-job");
    expect(list.inputsAddJobs[0]?.progress).toBeDefined();
  });

  it("stores concept values as posted (0: a negative concept) and refuses values outside [0, 1]", async () => {
    const res = await t.api.postInputs({
      inputs: [
        { id: "valued", data: { text: { raw: "a" }, concepts: [{ id: "cat", value: 0.8 }, { id: "dog", value: 0 }] } },
        { id: "too-high", data: { text: { raw: "b" }, concepts: [{ id: "cat", value: 1.5 }] } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.MIXED_STATUS);
    expect(res.inputs[1]?.status).toMatchObject({ code: StatusCode.INPUT_INVALID_ARGUMENT, description: "concept 'cat' of the input has value 1.5, not in [0, 1]" });
    const got = await t.api.getInput({ inputId: "valued" });
    expect(got.input?.data?.concepts.map((c) => [c.id, Math.round(c.value * 1000) / 1000])).toEqual([["cat", 0.8], ["dog", 0]]);
  });

  it("assigns hex ids to inputs posted without one", async () => {
    const res = await t.api.postInputs({ inputs: [{ data: { text: { raw: "no id" } } }] });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(res.inputs[0]?.id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("a duplicate id is INPUT_DUPLICATE (MIXED_STATUS), unless conflict resolution is SUFFIX", async () => {
    await t.api.postInputs({ inputs: [{ id: "dup", data: { text: { raw: "one" } } }] });
    const again = await t.api.postInputs({
      inputs: [
        { id: "dup", data: { text: { raw: "two" } } },
        { id: "fresh", data: { text: { raw: "three" } } },
      ],
    });
    expect(again.status?.code).toBe(StatusCode.MIXED_STATUS);
    expect(again.inputs[0]?.status?.code).toBe(StatusCode.INPUT_DUPLICATE);
    expect(again.inputs[0]?.status?.description).toMatch(/already exists/);
    expect(again.inputs[1]?.status?.code).toBe(StatusCode.INPUT_PENDING);
    const allDup = await t.api.postInputs({ inputs: [{ id: "dup", data: { text: { raw: "x" } } }] });
    expect(allDup.status?.code).toBe(StatusCode.FAILURE);
    const suffixed = await t.api.postInputs({
      inputIdConflictResolution: InputIDConflictResolution.SUFFIX,
      inputs: [{ id: "dup", data: { text: { raw: "four" } } }],
    });
    expect(suffixed.status?.code).toBe(StatusCode.SUCCESS);
    expect(suffixed.inputs[0]?.id).toBe("dup-1");
  });

  it("a second input with the same URL is a duplicate unless allow_duplicate_url", async () => {
    const url = "http://127.0.0.1:9/never-fetched.jpg";
    const first = await t.api.postInputs({ inputs: [{ id: "url-1", data: { image: { url } } }] });
    expect(first.status?.code).toBe(StatusCode.SUCCESS);
    const second = await t.api.postInputs({ inputs: [{ id: "url-2", data: { image: { url } } }] });
    expect(second.inputs[0]?.status?.code).toBe(StatusCode.INPUT_DUPLICATE);
    expect(second.inputs[0]?.status?.description).toMatch(/allow_duplicate_url/);
    const allowed = await t.api.postInputs({
      inputs: [{ id: "url-3", data: { image: { url, allowDuplicateUrl: true } } }],
    });
    expect(allowed.status?.code).toBe(StatusCode.SUCCESS);
  });

  it("ListInputs filters by ids and status and pages newest first", async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `page-${i}`);
    const res = await t.api.postInputs({
      inputsAddJobId: "paging",
      inputs: ids.map((id, i) => ({ id, data: { image: { base64: makePng(2, 2, 10 + i) } } })),
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    await jobDone("paging");
    const byIds = await t.api.listInputs({ ids: [...ids, "missing"], perPage: 10 });
    expect(byIds.inputs.map((i) => i.id)).toEqual([...ids].reverse());
    expect(byIds.inputs[0]?.data?.image?.base64.length).toBe(0);
    const page1 = await t.api.listInputs({ ids, page: 1, perPage: 2 });
    const page3 = await t.api.listInputs({ ids, page: 3, perPage: 2 });
    expect(page1.inputs.map((i) => i.id)).toEqual(["page-4", "page-3"]);
    expect(page3.inputs.map((i) => i.id)).toEqual(["page-0"]);
    const ok = await t.api.listInputs({ ids, status: { code: StatusCode.INPUT_SUCCESS } });
    expect(ok.inputs).toHaveLength(5);
    const failed = await t.api.listInputs({ ids, status: { code: StatusCode.INPUT_FAILED } });
    expect(failed.inputs).toHaveLength(0);
    const all = await t.api.listInputs({});
    expect(all.inputs.length).toBeGreaterThan(5);
    expect(all.inputs.length).toBeLessThanOrEqual(128);
  });

  it("GetInputCount counts by status", async () => {
    const res = await t.api.getInputCount({});
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(res.counts?.processed).toBeGreaterThan(5);
  });

  it("DeleteInputs removes inputs; unknown ids and an empty list are fine", async () => {
    await t.api.postInputs({
      inputs: [
        { id: "del-1", data: { text: { raw: "a" } } },
        { id: "del-2", data: { text: { raw: "b" } } },
      ],
    });
    const del = await t.api.deleteInputs({ ids: ["del-1", "nope"] });
    expect(del.status?.code).toBe(StatusCode.SUCCESS);
    expect((await t.api.getInput({ inputId: "del-1" })).status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    expect((await t.api.getInput({ inputId: "del-2" })).status?.code).toBe(StatusCode.SUCCESS);
    expect((await t.api.deleteInputs({ ids: [] })).status?.code).toBe(StatusCode.SUCCESS);
    // The id is free again.
    const again = await t.api.postInputs({ inputs: [{ id: "del-1", data: { text: { raw: "c" } } }] });
    expect(again.status?.code).toBe(StatusCode.SUCCESS);
  });

  it("a request's bytes go to one blob file, removed once none of its inputs is left", async () => {
    const blobRoot = join(t.dataDir, "blobs");
    const files = (): number => readdirSync(blobRoot).reduce((n, dir) => n + readdirSync(join(blobRoot, dir)).length, 0);
    const before = files();
    const res = await t.api.postInputs({
      inputs: [
        { id: "pack-1", data: { image: { base64: makePng(2, 2, 31) } } },
        { id: "pack-2", data: { image: { base64: makePng(2, 2, 32) }, text: { raw: "caption" } } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(files()).toBe(before + 1);
    const dupOnly = await t.api.postInputs({ inputs: [{ id: "pack-1", data: { image: { base64: TINY_JPEG } } }] });
    expect(dupOnly.status?.code).toBe(StatusCode.FAILURE);
    expect(files()).toBe(before + 1);
    await t.api.deleteInputs({ ids: ["pack-1"] });
    expect(files()).toBe(before + 1);
    const two = await t.api.getInput({ inputId: "pack-2" });
    expect(two.input?.data?.text?.raw).toBe("caption");
    expect(two.input?.data?.image?.base64.length).toBeGreaterThan(0);
    await t.api.deleteInputs({ ids: ["pack-2"] });
    expect(files()).toBe(before);
  });

  it("inputs are namespaced by user and app", async () => {
    const other = { userId: "someone-else", appId: "other-app" };
    const res = await t.api.postInputs({ userAppId: other, inputs: [{ id: "img-1", data: { text: { raw: "x" } } }] });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    const mine = await t.api.getInput({ inputId: "img-1" });
    expect(mine.input?.data?.image).toBeDefined();
    const theirs = await t.api.getInput({ userAppId: other, inputId: "img-1" });
    expect(theirs.input?.data?.text?.raw).toBe("x");
    const list = await t.api.listInputs({ userAppId: other });
    expect(list.inputs.map((i) => i.id)).toEqual(["img-1"]);
  });
});
