import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { makePng, makeWav, SCOPE, startTestServer, type TestServer, TINY_JPEG, waitFor } from "../helpers/server.js";

describe("local server: inputs round trip", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("PostInputs creates pending inputs with a job, processing makes them INPUT_SUCCESS", async () => {
    const res = await t.api.postInputs({
      inputs: [
        { id: "img-1", data: { image: { base64: TINY_JPEG }, metadata: { split: "train" } } },
        { id: "img-2", data: { image: { base64: makePng(4, 3) } } },
        { id: "txt-1", data: { text: { raw: "hello wörld" } } },
        { id: "wav-1", data: { audio: { base64: makeWav() } } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(res.inputs.map((i) => i.id)).toEqual(["img-1", "img-2", "txt-1", "wav-1"]);
    expect(res.inputs.every((i) => i.status?.code === StatusCode.INPUT_PENDING)).toBe(true);
    expect(res.inputs[0]?.data?.image?.base64.length).toBe(0);
    const job = res.inputsAddJob;
    expect(job?.id).toMatch(/^[0-9a-f]{32}$/);
    expect(job?.progress?.pendingCount).toBe(4);

    const done = await waitFor(
      () => t.api.getInputsAddJob({ id: job?.id ?? "" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    expect(done.inputsAddJob?.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 4, failedCount: 0 });

    const got = await t.api.getInput({ inputId: "img-1" });
    expect(got.status?.code).toBe(StatusCode.SUCCESS);
    expect(got.input?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(Buffer.compare(got.input?.data?.image?.base64 ?? Buffer.alloc(0), TINY_JPEG)).toBe(0);
    expect(got.input?.data?.image?.imageInfo).toMatchObject({ width: 8, height: 8, format: "JPEG" });
    expect(got.input?.data?.metadata).toEqual({ split: "train" });
    const text = await t.api.getInput({ inputId: "txt-1" });
    expect(text.input?.data?.text?.raw).toBe("hello wörld");
    expect(text.input?.data?.text?.textInfo?.charCount).toBe(11);
    void SCOPE;
  });
});
