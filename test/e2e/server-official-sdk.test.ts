/**
 * The official Node.js SDK (clarifai-nodejs) against the local server: its
 * authConfig.base "http://127.0.0.1:PORT" selects a plaintext gRPC channel.
 * Dataset.uploadFromFolder does PostInputs (with dataset_ids and a job id) ->
 * GetInputsAddJob until nothing is pending -> ListInputs(ids, status 30000) ->
 * DeleteInputs of the rest, then retries those. (Its job polling sleeps about
 * 3 s whenever the first poll still shows pending inputs, so this test keeps to
 * one round: the delete-the-failed path is covered with the official gRPC
 * client in server-official-client.test.ts.)
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Dataset } from "clarifai-nodejs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { makePng, startTestServer, TEST_PAT, type TestServer, TINY_JPEG } from "../helpers/server.js";

describe("the official clarifai-nodejs SDK against the local server", () => {
  let t: TestServer;
  let folder: string;
  beforeAll(async () => {
    t = await startTestServer({ pats: [TEST_PAT] });
    folder = join(await mkdtemp(join(tmpdir(), "clarifai-sdk-")), "puppies");
    await mkdir(folder);
    await writeFile(join(folder, "one.jpg"), TINY_JPEG);
    await writeFile(join(folder, "two.png"), makePng(6, 4, 1));
    await writeFile(join(folder, "three.png"), makePng(3, 3, 2));
    await writeFile(join(folder, "notes.txt"), "not an image");
  });
  afterAll(async () => {
    await t.stop();
    await rm(join(folder, ".."), { recursive: true, force: true });
  });

  it("Dataset.uploadFromFolder completes a folder upload into the server", async () => {
    // The SDK logs with console.*; keep the test output quiet.
    const quiet = ["log", "info", "warn"].map((m) =>
      vi.spyOn(console, m as "log" | "info" | "warn").mockImplementation(() => undefined),
    );
    try {
      const authConfig = { userId: "sdk-user", appId: "sdk-app", pat: TEST_PAT, base: `http://${t.address}` };
      const app = new App({ authConfig });
      await app.createDataset({ datasetId: "puppies-ds" });
      const dataset = new Dataset({ authConfig, datasetId: "puppies-ds" });
      await dataset.uploadFromFolder({ folderPath: folder, inputType: "image", labels: true });
    } finally {
      for (const spy of quiet) spy.mockRestore();
    }

    const scope = { userId: "sdk-user", appId: "sdk-app" };
    const stored = await t.api.listInputs({ userAppId: scope });
    expect(stored.inputs.map((i) => i.id).sort()).toEqual(["one", "three", "two"]);
    for (const input of stored.inputs) {
      expect(input.status?.code).toBe(StatusCode.INPUT_SUCCESS);
      expect(input.datasetIds).toEqual(["puppies-ds"]);
      expect(input.data?.concepts.map((c) => c.id)).toEqual(["id-puppies"]);
    }
    const one = await t.api.getInput({ userAppId: scope, inputId: "one" });
    expect(Buffer.compare(one.input?.data?.image?.base64 ?? Buffer.alloc(0), TINY_JPEG)).toBe(0);
    const two = await t.api.getInput({ userAppId: scope, inputId: "two" });
    expect(two.input?.data?.image?.imageInfo).toMatchObject({ width: 6, height: 4, format: "PNG" });
    // One inputs-add job (the SDK's own id), polled until done.
    const jobs = await t.api.listInputsAddJobs({ userAppId: scope });
    expect(jobs.inputsAddJobs).toHaveLength(1);
    expect(jobs.inputsAddJobs[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(jobs.inputsAddJobs[0]?.progress).toMatchObject({ successCount: 3, failedCount: 0, pendingCount: 0 });
    expect((await t.api.getDataset({ userAppId: scope, datasetId: "puppies-ds" })).status?.code).toBe(
      StatusCode.SUCCESS,
    );
  }, 30_000);
});
