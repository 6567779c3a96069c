import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import {
  makeMp3,
  makeMp4,
  makePng,
  makeWav,
  PDF,
  pngOfSize,
  startTestServer,
  type TestServer,
  TINY_JPEG,
} from "../helpers/server.js";

const MiB = 1024 * 1024;

describe("local server: the spec's limits and error answers", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.api.postDatasets({ datasets: [{ id: "known-ds" }] });
  });
  afterAll(async () => {
    await t.stop();
  });

  describe("request-level violations fail the whole request with INPUT_INVALID_ARGUMENT", () => {
    it("more than 128 inputs", async () => {
      const inputs = Array.from({ length: 129 }, (_, i) => ({ id: `many-${i}`, data: { text: { raw: "t" } } }));
      const res = await t.api.postInputs({ inputs });
      expect(res.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
      expect(res.status?.description).toMatch(/129 inputs; at most 128/);
      expect(res.inputs).toHaveLength(0);
      expect((await t.api.getInput({ inputId: "many-0" })).status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
      const ok = await t.api.postInputs({ inputs: inputs.slice(0, 128) });
      expect(ok.status?.code).toBe(StatusCode.SUCCESS);
    });

    it("a request of 128 MiB or more", async () => {
      const image = pngOfSize(19 * MiB);
      const inputs = Array.from({ length: 7 }, (_, i) => ({ id: `big-${i}`, data: { image: { base64: image } } }));
      const res = await t.api.postInputs({ inputs });
      expect(res.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
      expect(res.status?.description).toMatch(/smaller than 128 MiB/);
      expect((await t.api.getInput({ inputId: "big-0" })).status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    }, 30_000);

    it("more than one video", async () => {
      const res = await t.api.postInputs({
        inputs: [
          { id: "v-1", data: { video: { base64: makeMp4() } } },
          { id: "v-2", data: { video: { url: "http://127.0.0.1:9/v.mp4" } } },
        ],
      });
      expect(res.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
      expect(res.status?.description).toMatch(/2 video inputs; at most 1/);
      const one = await t.api.postInputs({ inputs: [{ id: "v-1", data: { video: { base64: makeMp4() } } }] });
      expect(one.status?.code).toBe(StatusCode.SUCCESS);
    });

    it("no inputs, or a bad inputs_add_job_id", async () => {
      expect((await t.api.postInputs({ inputs: [] })).status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
      const badJob = await t.api.postInputs({ inputsAddJobId: "bad job!", inputs: [{ data: { text: { raw: "x" } } }] });
      expect(badJob.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
      expect(badJob.status?.description).toMatch(/inputs_add_job_id/);
    });
  });

  it("per-input violations get their own status; the rest are created (MIXED_STATUS)", async () => {
    const cases = [
      { id: "ok-image", data: { image: { base64: TINY_JPEG } } },
      { id: "big-image", data: { image: { base64: pngOfSize(20 * MiB) } } },
      { id: "many-pixels", data: { image: { base64: makePng(2, 2, 0, { width: 10_000, height: 9_000 }) } } },
      { id: "mp3-audio", data: { audio: { base64: makeMp3() } } },
      { id: "big-audio", data: { audio: { base64: Buffer.concat([makeWav(), Buffer.alloc(20 * MiB)]) } } },
      { id: "big-text", data: { text: { raw: "x".repeat(20 * MiB) } } },
      { id: "pdf-image", data: { image: { base64: PDF } } },
      { id: "png-video", data: { video: { base64: makePng() } } },
      { id: "no-data", data: {} },
      { id: "empty-image", data: { image: {} } },
      { id: "bad id!", data: { text: { raw: "x" } } },
      { id: "x".repeat(49), data: { text: { raw: "x" } } },
      { id: "ftp-url", data: { image: { url: "ftp://example.invalid/a.jpg" } } },
      { id: "unknown-ds", datasetIds: ["no-such-dataset"], data: { text: { raw: "x" } } },
      { id: "ok-ds", datasetIds: ["known-ds"], data: { text: { raw: "x" } } },
      { id: "two-media", data: { image: { base64: TINY_JPEG }, audio: { base64: makeWav() } } },
    ];
    const res = await t.api.postInputs({ inputs: cases });
    expect(res.status?.code).toBe(StatusCode.MIXED_STATUS);
    const got = Object.fromEntries(res.inputs.map((i) => [i.id, i.status]));
    const expectStatus = (id: string, code: StatusCode, pattern: RegExp): void => {
      expect(got[id]?.code, id).toBe(code);
      expect(got[id]?.description, id).toMatch(pattern);
    };
    expectStatus("ok-image", StatusCode.INPUT_PENDING, /pending/i);
    expectStatus("ok-ds", StatusCode.INPUT_PENDING, /pending/i);
    expectStatus("big-image", StatusCode.INPUT_OVER_LIMIT, /smaller than 20 MiB/);
    expectStatus("many-pixels", StatusCode.INPUT_OVER_LIMIT, /90000000 pixels.*85 megapixels/);
    expectStatus("mp3-audio", StatusCode.INPUT_UNSUPPORTED_FORMAT, /MP3; audio must be WAV/);
    expectStatus("big-audio", StatusCode.INPUT_OVER_LIMIT, /audio .* smaller than 20 MiB/);
    expectStatus("big-text", StatusCode.INPUT_OVER_LIMIT, /text .* smaller than 20 MiB/);
    expectStatus("pdf-image", StatusCode.INPUT_UNSUPPORTED_FORMAT, /PDF; supported image formats are JPEG, PNG/);
    expectStatus("png-video", StatusCode.INPUT_UNSUPPORTED_FORMAT, /supported video formats/);
    expectStatus("no-data", StatusCode.INPUT_INVALID_ARGUMENT, /no data/);
    expectStatus("empty-image", StatusCode.INPUT_INVALID_ARGUMENT, /neither bytes/);
    expectStatus("bad id!", StatusCode.INPUT_INVALID_ARGUMENT, /not a valid id/);
    expectStatus("x".repeat(49), StatusCode.INPUT_INVALID_ARGUMENT, /1 to 48 characters/);
    expectStatus("ftp-url", StatusCode.INPUT_INVALID_URL, /not an http or https URL/);
    expectStatus("unknown-ds", StatusCode.INPUT_INVALID_ARGUMENT, /dataset 'no-such-dataset' does not exist/);
    expectStatus("two-media", StatusCode.INPUT_INVALID_ARGUMENT, /at most one of image, video and audio/);
    // Only the accepted inputs exist.
    const listed = await t.api.listInputs({ ids: cases.map((c) => c.id) });
    expect(listed.inputs.map((i) => i.id).sort()).toEqual(["ok-ds", "ok-image"]);
    expect(listed.inputs.find((i) => i.id === "ok-ds")?.datasetIds).toEqual(["known-ds"]);
  }, 30_000);

  it("FAILURE when no input is created, SUCCESS when all are", async () => {
    const none = await t.api.postInputs({ inputs: [{ id: "only-bad", data: { image: { base64: PDF } } }] });
    expect(none.status?.code).toBe(StatusCode.FAILURE);
    expect(none.inputs[0]?.status?.code).toBe(StatusCode.INPUT_UNSUPPORTED_FORMAT);
    const all = await t.api.postInputs({ inputs: [{ id: "only-good", data: { image: { base64: TINY_JPEG } } }] });
    expect(all.status?.code).toBe(StatusCode.SUCCESS);
  });
});
