import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { makePng, startTestServer, type TestServer, TINY_JPEG, waitFor } from "../helpers/server.js";

describe("local server: persistence", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("inputs, bytes, datasets, annotations and jobs survive a restart", async () => {
    await t.api.postDatasets({ datasets: [{ id: "kept", description: "survives" }] });
    const posted = await t.api.postInputs({
      inputsAddJobId: "kept-job",
      inputs: [
        { id: "keep-1", datasetIds: ["kept"], data: { image: { base64: TINY_JPEG }, metadata: { n: 1 } } },
        { id: "keep-2", data: { text: { raw: "still here" } } },
      ],
    });
    expect(posted.status?.code).toBe(StatusCode.SUCCESS);
    await waitFor(
      () => t.api.getInputsAddJob({ id: "kept-job" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    await t.api.postAnnotations({
      annotations: [
        {
          id: "kept-ann",
          inputId: "keep-1",
          data: { regions: [{ regionInfo: { boundingBox: { topRow: 0.1, leftCol: 0.1, bottomRow: 0.5, rightCol: 0.5 } } }] },
        },
      ],
    });

    await t.restart();

    const one = await t.api.getInput({ inputId: "keep-1" });
    expect(one.input?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(Buffer.compare(one.input?.data?.image?.base64 ?? Buffer.alloc(0), TINY_JPEG)).toBe(0);
    expect(one.input?.data?.metadata).toEqual({ n: 1 });
    expect(one.input?.datasetIds).toEqual(["kept"]);
    expect((await t.api.getInput({ inputId: "keep-2" })).input?.data?.text?.raw).toBe("still here");
    expect((await t.api.getDataset({ datasetId: "kept" })).dataset?.description).toBe("survives");
    const job = await t.api.getInputsAddJob({ id: "kept-job" });
    expect(job.inputsAddJob?.progress?.successCount).toBe(2);
    const annotations = await t.api.listAnnotations({ ids: ["kept-ann"] });
    expect(annotations.annotations[0]?.data?.regions[0]?.regionInfo?.boundingBox?.bottomRow).toBeCloseTo(0.5);
    const dup = await t.api.postInputs({ inputs: [{ id: "keep-1", data: { text: { raw: "again" } } }] });
    expect(dup.inputs[0]?.status?.code).toBe(StatusCode.INPUT_DUPLICATE);
  });

  it("inputs still pending at shutdown are processed after a restart", async () => {
    await t.restart({ processingDelayMs: 60_000 });
    const res = await t.api.postInputs({
      inputsAddJobId: "later",
      inputs: [{ id: "later-1", data: { image: { base64: makePng(2, 2, 5) } } }],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect((await t.api.getInputsAddJob({ id: "later" })).inputsAddJob?.status?.code).toBe(StatusCode.JOB_QUEUED);
    await t.restart({ processingDelayMs: 0 });
    const done = await waitFor(
      () => t.api.getInputsAddJob({ id: "later" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    expect(done.inputsAddJob?.progress?.successCount).toBe(1);
  });
});
