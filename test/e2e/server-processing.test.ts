import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import {
  makePng,
  makeWav,
  startTestServer,
  type TestServer,
  TINY_JPEG,
  truncatedJpeg,
  waitFor,
} from "../helpers/server.js";

/** A loopback HTTP server for URL inputs. */
async function startFileServer(): Promise<{ base: string; server: Server }> {
  const files: Record<string, { type: string; body: Buffer }> = {
    "/ok.jpg": { type: "image/jpeg", body: TINY_JPEG },
    "/cut.jpg": { type: "image/jpeg", body: truncatedJpeg() },
    "/text.txt": { type: "text/plain", body: Buffer.from("downloaded text ✓") },
    "/latin1.txt": { type: "text/plain", body: Buffer.from([0x63, 0x61, 0x66, 0xe9]) },
    "/sound.wav": { type: "audio/wav", body: makeWav() },
  };
  const server = createServer((req, res) => {
    const file = files[req.url ?? ""];
    if (req.url === "/slow.jpg" || req.url === "/slowish.jpg") {
      setTimeout(() => res.end(TINY_JPEG), req.url === "/slow.jpg" ? 2000 : 400);
      return;
    }
    if (file === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": file.type }).end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("local server: asynchronous processing and job progress", () => {
  let t: TestServer;
  let files: { base: string; server: Server };
  beforeAll(async () => {
    files = await startFileServer();
    t = await startTestServer({ processingDelayMs: 300, downloadTimeoutMs: 500 });
  });
  afterAll(async () => {
    await t.stop();
    files.server.closeAllConnections();
    await new Promise((resolve) => files.server.close(resolve));
  });

  const statusOf = async (id: string): Promise<StatusCode | undefined> =>
    (await t.api.getInput({ inputId: id })).input?.status?.code;

  it("inputs stay pending (job queued), then the job completes with success and failure counts", async () => {
    const res = await t.api.postInputs({
      inputsAddJobId: "progress-job",
      inputs: [
        { id: "p-ok-1", data: { image: { base64: TINY_JPEG } } },
        { id: "p-ok-2", data: { image: { base64: makePng(3, 3) } } },
        { id: "p-corrupt", data: { image: { base64: truncatedJpeg() } } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    const queued = await t.api.getInputsAddJob({ id: "progress-job" });
    expect(queued.inputsAddJob?.status?.code).toBe(StatusCode.JOB_QUEUED);
    expect(queued.inputsAddJob?.progress).toEqual({ pendingCount: 3, inProgressCount: 0, successCount: 0, failedCount: 0 });
    expect(await statusOf("p-corrupt")).toBe(StatusCode.INPUT_PENDING);
    const counts = await t.api.getInputCount({});
    expect(counts.counts?.toProcess).toBe(3);

    const done = await waitFor(
      () => t.api.getInputsAddJob({ id: "progress-job" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    expect(done.inputsAddJob?.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 2, failedCount: 1 });
    const corrupt = await t.api.getInput({ inputId: "p-corrupt" });
    expect(corrupt.input?.status?.code).toBe(StatusCode.INPUT_FAILED);
    expect(corrupt.input?.status?.description).toMatch(/JPEG data is truncated/);
    expect(await statusOf("p-ok-1")).toBe(StatusCode.INPUT_SUCCESS);
    const failedList = await t.api.listInputs({
      ids: ["p-ok-1", "p-ok-2", "p-corrupt"],
      status: { code: StatusCode.INPUT_FAILED },
    });
    expect(failedList.inputs.map((i) => i.id)).toEqual(["p-corrupt"]);
    const after = await t.api.getInputCount({});
    expect(after.counts).toMatchObject({ processed: 2, errors: 1, toProcess: 0, processing: 0 });
  });

  it("URL inputs are downloaded over http and checked like bytes", async () => {
    const res = await t.api.postInputs({
      inputsAddJobId: "url-job",
      inputs: [
        { id: "u-ok", data: { image: { url: `${files.base}/ok.jpg` } } },
        { id: "u-cut", data: { image: { url: `${files.base}/cut.jpg` } } },
        { id: "u-404", data: { image: { url: `${files.base}/missing.jpg` } } },
        { id: "u-text", data: { text: { url: `${files.base}/text.txt` } } },
        { id: "u-latin1", data: { text: { url: `${files.base}/latin1.txt` } } },
        { id: "u-wav-as-image", data: { image: { url: `${files.base}/sound.wav` } } },
        { id: "u-slow", data: { image: { url: `${files.base}/slow.jpg` } } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    await waitFor(
      () => t.api.getInputsAddJob({ id: "url-job" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    const listed = await t.api.listInputs({ ids: res.inputs.map((i) => i.id) });
    const byId = Object.fromEntries(listed.inputs.map((i) => [i.id, i]));
    expect(byId["u-ok"]?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(byId["u-ok"]?.data?.image?.url).toBe(`${files.base}/ok.jpg`);
    expect(byId["u-ok"]?.data?.image?.imageInfo).toMatchObject({ width: 8, height: 8 });
    expect(byId["u-text"]?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(byId["u-text"]?.data?.text?.textInfo?.charCount).toBe(17);
    const failures: Record<string, RegExp> = {
      "u-cut": /JPEG data is truncated/,
      "u-404": /HTTP 404/,
      "u-latin1": /not valid UTF-8/,
      "u-wav-as-image": /image data is WAV/,
      "u-slow": /longer than 500 ms/,
    };
    for (const [id, pattern] of Object.entries(failures)) {
      expect(byId[id]?.status?.code, id).toBe(StatusCode.INPUT_FAILED);
      expect(byId[id]?.status?.description, id).toMatch(pattern);
    }
  });

  it("CancelInputsAddJob fails the job's pending inputs", async () => {
    await t.api.postInputs({
      inputsAddJobId: "cancel-me",
      inputs: [{ id: "c-1", data: { image: { base64: makePng(2, 2, 77) } } }],
    });
    const cancelled = await t.api.cancelInputsAddJob({ id: "cancel-me" });
    expect(cancelled.status?.code).toBe(StatusCode.SUCCESS);
    expect(cancelled.inputsAddJob?.status?.code).toBe(StatusCode.JOB_CANCELLED);
    expect(cancelled.inputsAddJob?.progress).toMatchObject({ pendingCount: 0, failedCount: 1 });
    expect(await statusOf("c-1")).toBe(StatusCode.INPUT_FAILED);
    const unknown = await t.api.cancelInputsAddJob({ id: "no-such-job" });
    expect(unknown.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const missing = await t.api.getInputsAddJob({ id: "no-such-job" });
    expect(missing.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
  });

  it("a deleted pending input leaves its job, which still completes", async () => {
    await t.api.postInputs({
      inputsAddJobId: "delete-job",
      inputs: [
        { id: "d-1", data: { image: { base64: makePng(2, 2, 91) } } },
        { id: "d-2", data: { image: { base64: makePng(2, 2, 92) } } },
      ],
    });
    await t.api.deleteInputs({ ids: ["d-1"] });
    const done = await waitFor(
      () => t.api.getInputsAddJob({ id: "delete-job" }),
      (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    );
    expect(done.inputsAddJob?.progress).toMatchObject({ pendingCount: 0, successCount: 1 });
  });
});

describe("local server: stopping in the middle of processing", () => {
  it("an input whose download a stop interrupts is processed after the restart", async () => {
    const files = await startFileServer();
    const t = await startTestServer({ downloadTimeoutMs: 5000 });
    try {
      await t.api.postInputs({
        inputsAddJobId: "interrupted",
        inputs: [{ id: "slowish", data: { image: { url: `${files.base}/slowish.jpg` } } }],
      });
      await waitFor(
        () => t.api.getInput({ inputId: "slowish" }),
        (r) => r.input?.status?.code === StatusCode.INPUT_IN_PROGRESS,
      );
      await t.restart();
      const done = await waitFor(
        () => t.api.getInputsAddJob({ id: "interrupted" }),
        (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
      );
      expect(done.inputsAddJob?.progress).toMatchObject({ successCount: 1, failedCount: 0 });
      expect(t.logs.some((l) => /resuming processing of 1 input/.test(l))).toBe(true);
    } finally {
      await t.stop();
      files.server.closeAllConnections();
      await new Promise((resolve) => files.server.close(resolve));
    }
  });
});

describe("local server: processing keeps up", () => {
  it("processes 1000 inputs posted in batches of 128 within seconds", async () => {
    const t = await startTestServer();
    try {
      const started = Date.now();
      const total = 1000;
      for (let offset = 0; offset < total; offset += 128) {
        const inputs = Array.from({ length: Math.min(128, total - offset) }, (_, i) => ({
          id: `bulk-${offset + i}`,
          data: { image: { base64: makePng(4, 4, offset + i) } },
        }));
        const res = await t.api.postInputs({ inputsAddJobId: "bulk", inputs });
        expect(res.status?.code).toBe(StatusCode.SUCCESS);
      }
      const done = await waitFor(
        () => t.api.getInputsAddJob({ id: "bulk" }),
        (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
        10_000,
      );
      expect(done.inputsAddJob?.progress?.successCount).toBe(total);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await t.stop();
    }
  }, 20_000);
});
