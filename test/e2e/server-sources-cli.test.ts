/**
 * `clarifai-upload serve --s3-root DIR --gs-root DIR` as a process (the built
 * CLI): s3:// and gs:// data sources are read from the folders given.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { connectApi, makePng, TINY_JPEG, waitFor, writeFiles } from "../helpers/server.js";

const BIN = resolve("bin", "clarifai-upload");
const built = existsSync(resolve("dist", "cli", "main.js"));

describe.skipIf(!built)("clarifai-upload serve --s3-root / --gs-root (built CLI)", { timeout: 30_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "clarifai-serve-roots-"));
    await writeFiles(join(dir, "s3", "bucket"), { "imgs/a.jpg": TINY_JPEG, "imgs/b.png": makePng() });
    await writeFiles(join(dir, "gs", "gbucket"), { "c.jpg": TINY_JPEG });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads s3:// and gs:// data sources from the given folders", async () => {
    const args = ["serve", "--port", "0", "--data", join(dir, "data"), "--quiet"];
    args.push("--s3-root", join(dir, "s3"), "--gs-root", join(dir, "gs"));
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    try {
      const address = await waitFor(
        () => Promise.resolve(/^listening (\S+)\n/.exec(stdout)?.[1]),
        (a) => a !== undefined,
        10_000,
      );
      expect(stderr).toMatch(/s3:\/\/ data sources are read from/);
      const api = connectApi(address ?? "");
      try {
        const res = await api.postInputsDataSources({
          dataSources: [
            { inputsAddJobId: "cli-roots", url: { url: "s3://bucket/imgs/" } },
            { inputsAddJobId: "cli-roots", url: { url: "gs://gbucket/" } },
          ],
        });
        expect(res.status?.code).toBe(StatusCode.SUCCESS);
        const done = await waitFor(
          () => api.getInputsAddJob({ id: "cli-roots" }),
          (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
          10_000,
        );
        expect(done.inputsAddJob?.progress?.successCount).toBe(3);
        expect(done.inputsAddJob?.extractionJobs.map((e) => e.progress?.imageInputsCount)).toEqual([2, 1]);
      } finally {
        api.close();
      }
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exit).toBe(0);
  });
});
