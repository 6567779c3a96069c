import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClarifaiClient } from "../../src/api/client.js";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { closedPort } from "../helpers/ports.js";
import { finished, FIXTURES, isolatedEnv, jsonLines, runCli, startCli, summaryOf } from "../helpers/cli.js";
import { makePng } from "../helpers/server.js";

/** A folder of `count` small valid images in a few subfolders. */
function makeCorpus(count: number): string {
  const root = mkdtempSync(join(tmpdir(), "cu-corpus-"));
  const png = join(FIXTURES, "media", "image.png");
  for (let i = 0; i < count; i++) {
    const dir = join(root, `part${i % 5}`);
    mkdirSync(dir, { recursive: true });
    copyFileSync(png, join(dir, `img${i}.png`));
  }
  return root;
}

/** A valid PNG of about `size` bytes, its bulk random: an ancillary chunk of noise before IEND. */
function noisyPng(size: number): Buffer {
  const png = makePng(2, 2);
  const noise = randomBytes(size);
  const chunk = Buffer.alloc(12 + noise.length);
  chunk.writeUInt32BE(noise.length, 0);
  chunk.write("ruBi", 4, "ascii");
  noise.copy(chunk, 8);
  chunk.writeUInt32BE(crc32(chunk.subarray(4, 8 + noise.length)), 8 + noise.length);
  return Buffer.concat([png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12)]);
}

/** Waits until `condition` holds, checking every 20 ms. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(20);
  }
}

function ackCount(logPath: string): number {
  if (!existsSync(logPath)) return 0;
  return readFileSync(logPath, "utf8").split("\n").filter((line) => line.startsWith('{"type":"ack"')).length;
}

describe("faults, interruptions and exit codes", { timeout: 120_000 }, () => {
  const env = isolatedEnv();
  const jobsDir = join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs");

  it("stores every input exactly once despite throttling, unavailability and per-input failures", async () => {
    const corpus = makeCorpus(200);
    const dataDir = mkdtempSync(join(tmpdir(), "cu-server-"));
    const faulty = await startTestApp({ dataDir, faults: { throttle: 0.1, unavailable: 0.1, inputFailure: 0.05, seed: 7 } });
    const flags = faulty.flags;
    const result = await runCli(["folder", corpus, "--json", "--batch-size", "16", "--rps", "0", "--max-retries", "12", ...flags], env);
    await faulty.close();
    expect(result.stderr).not.toMatch(/Error:/);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ discovered: 200, uploaded: 200, failed: 0, rejected: 0 });
    expect(result.code).toBe(0);
    const retries = result.stdout.split("\n").filter((line) => line.includes('"event":"retry"'));
    expect(retries.length).toBeGreaterThan(0);

    // Read back through a fault-free server on the same data.
    const clean = await startTestApp({ dataDir });
    try {
      const stored = new ClarifaiClient({
        settings: { apiBase: `http://${clean.server.address}`, pat: "x", userId: faulty.user, appId: faulty.app, insecure: false },
      });
      const inputs = await listAllInputs(stored);
      stored.close();
      expect(inputs).toHaveLength(200);
      expect(new Set(inputs.map((input) => input.id)).size).toBe(200);
    } finally {
      await clean.close();
    }
  });

  it("retries the dataset's creation like every call (seed 7 fails the first two requests)", async () => {
    const corpus = makeCorpus(3);
    const dataDir = mkdtempSync(join(tmpdir(), "cu-server-"));
    const faulty = await startTestApp({ dataDir, faults: { unavailable: 0.5, seed: 7 } });
    const result = await runCli(["folder", corpus, "--json", "--dataset", "retried-set", "--rps", "0", "--max-retries", "12", ...faulty.flags], env);
    await faulty.close();
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout).filter((line) => line.event === "retry").map((line) => String(line.message))[0]).toMatch(/^getDataset: /);
    const clean = await startTestApp({ dataDir });
    try {
      const stored = new ClarifaiClient({ settings: { apiBase: `http://${clean.server.address}`, pat: "x", userId: faulty.user, appId: faulty.app, insecure: false } });
      expect((await stored.call("getDataset", { datasetId: "retried-set" })).dataset?.id).toBe("retried-set");
      expect((await listAllInputs(stored)).map((input) => input.datasetIds)).toEqual([["retried-set"], ["retried-set"], ["retried-set"]]);
      stored.close();
    } finally {
      await clean.close();
    }
  });

  it("stores every byte as read, with request memory reused and only failed inputs sent again", async () => {
    const corpus = mkdtempSync(join(tmpdir(), "cu-bytes-"));
    const files = Array.from({ length: 12 }, (_, i) => {
      const path = join(corpus, `noise${i}.png`);
      writeFileSync(path, noisyPng(1_200_000 + i * 50_000));
      return path;
    });
    const faulty = await startTestApp({ faults: { inputFailure: 0.25, seed: 11 } });
    try {
      // Batches of one or two files, so each request reuses the memory of an answered one.
      const result = await runCli(["folder", corpus, "--json", "--batch-bytes", "3MiB", "--concurrency", "2", "--rps", "0", "--max-retries", "12", ...faulty.flags], env);
      expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 12, failed: 0 });
      expect(result.stdout.split("\n").some((line) => line.includes('"event":"retry"'))).toBe(true);
      const stored = await listAllInputs(faulty.client);
      expect(stored).toHaveLength(12);
      for (const input of stored) {
        const got = await faulty.client.call("getInput", { inputId: input.id });
        const name = String(input.data?.metadata?.filename);
        const source = files.find((path) => basename(path) === name);
        expect(source, name).toBeDefined();
        expect(Buffer.from(got.input?.data?.image?.base64 ?? []).equals(readFileSync(source ?? "")), name).toBe(true);
      }
    } finally {
      await faulty.close();
    }
  });

  it("status looks up more than a page of inputs through throttling and unavailability", async () => {
    const corpus = makeCorpus(1050);
    const dataDir = mkdtempSync(join(tmpdir(), "cu-server-"));
    const clean = await startTestApp({ dataDir });
    const upload = await runCli(["folder", corpus, "--json", "--wait", "--rps", "0", "--job", "looked-up", ...clean.flags], env);
    expect(summaryOf(upload.stdout)).toMatchObject({ uploaded: 1050, failed: 0 });
    const stored = await listAllInputs(clean.client);
    const lost = stored.slice(0, 3).map((input) => input.id);
    await clean.client.call("deleteInputs", { ids: lost });
    await clean.close();

    const faulty = await startTestApp({ dataDir, faults: { throttle: 0.3, unavailable: 0.3, seed: 8 } });
    try {
      const status = await runCli(["status", "looked-up", "--json", "--api", `http://${faulty.server.address}`, "--pat", "test-pat"], env);
      expect(status.stderr).toBe("");
      expect(JSON.parse(status.stdout.trim().split("\n")[0] ?? "")).toMatchObject({ event: "status", acknowledged: 1050, processed: 1047, pending: 0, failed: 0, missing: 3 });
      expect(status.code).toBe(1);
    } finally {
      await faulty.close();
    }
  });

  it("a call that keeps failing ends a command with one line and exit 4, never a stack trace", async () => {
    const down = await startTestApp({ faults: { unavailable: 1, seed: 1 } });
    try {
      // The dataset is made before any input is sent: its call is the first to give up.
      const dataset = await runCli(["folder", makeCorpus(3), "--dataset", "never-made", "--max-retries", "1", ...down.flags], env);
      expect(dataset.code).toBe(4);
      expect(dataset.stderr).toMatch(/^clarifai-upload: gave up after 1 retries \(getDataset: service unavailable/m);
      expect(dataset.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await down.close();
    }
  });

  describe("interrupted runs", () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({ faults: { latencyMs: 60 } });
    });
    afterAll(async () => {
      await app.close();
    });

    it("loses nothing and duplicates nothing after kill -9 and resume", async () => {
      const corpus = makeCorpus(400);
      const child = startCli(["folder", corpus, "--json", "--job", "killed", "--batch-size", "4", "--concurrency", "2", "--rps", "0", ...app.flags], env);
      const done = finished(child);
      await waitFor(() => ackCount(join(jobsDir, "killed.jsonl")) >= 40, 30_000);
      child.kill("SIGKILL");
      const killed = await done;
      expect(killed.signal).toBe("SIGKILL");
      const before = (await listAllInputs(app.client)).length;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(400);
      // The job's reports say the run was cut short, and fail, rather than that all is well.
      const shown = await runCli(["log", "show", "killed", "--json"], env);
      expect(shown.code).toBe(1);
      expect(String(JSON.parse(shown.stdout).last_run)).toMatch(/^the last run \(begun .*\) did not end: it was killed; .* Resume it: clarifai-upload resume killed$/);
      const status = await runCli(["status", "killed", "--pat", "test-pat"], env);
      expect(status.code).toBe(1);
      expect(status.stdout).toContain("did not end: it was killed");

      const resumed = await runCli(["resume", "killed", "--json", "--pat", "test-pat"], env);
      const summary = summaryOf(resumed.stdout);
      expect(resumed.code).toBe(0);
      expect(summary.discovered).toBe(400);
      expect(Number(summary.uploaded) + Number(summary.present)).toBe(400);
      const inputs = await listAllInputs(app.client);
      expect(inputs).toHaveLength(400);
      expect(new Set(inputs.map((input) => input.id)).size).toBe(400);
      const after = await runCli(["log", "show", "killed", "--json"], env);
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout).last_run).toBeUndefined();
    });

    it("stops as on Ctrl-C when the reader of its output goes away (| head), and goes on when stderr's does", async () => {
      const corpus = makeCorpus(300);
      const child = startCli(["folder", corpus, "--json", "--job", "piped", "--batch-size", "4", "--concurrency", "2", "--rps", "0", "--id-prefix", "pipe-", ...app.flags], env);
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      await waitFor(() => ackCount(join(jobsDir, "piped.jsonl")) >= 20, 30_000);
      child.stdout?.destroy();
      const code = await new Promise((resolveCode) => child.on("close", resolveCode));
      expect(code).toBe(130);
      expect(stderr).toContain("clarifai-upload: the reader of standard output went away: stopping as on Ctrl-C; the same command goes on from there");
      expect(stderr).not.toMatch(/\n\s+at /);
      // The run ended on its own path: an end record, the lock released, the log and the server agreeing.
      expect(existsSync(join(jobsDir, "piped.jsonl.lock"))).toBe(false);
      expect(jsonLines((await runCli(["log", "show", "piped", "--json"], env)).stdout)[0]).toMatchObject({ runs: [expect.objectContaining({ outcome: "interrupted" })] });
      const acked = ackCount(join(jobsDir, "piped.jsonl"));
      expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("pipe-"))).toHaveLength(acked);

      // Without --json, its lines and summary go to stderr, whose reader is gone at once.
      const unread = startCli(["resume", "piped", "--pat", "test-pat"], env);
      unread.stderr?.destroy();
      const resumed = await finished(unread);
      expect(resumed.code).toBe(0);
      const runs = (jsonLines((await runCli(["log", "show", "piped", "--json"], env)).stdout)[0] as { runs: Array<Record<string, unknown>> }).runs;
      expect(runs.at(-1)).toMatchObject({ outcome: "done", discovered: 300, uploaded: 300 - acked, present: acked });
      expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("pipe-"))).toHaveLength(300);
    });

    it("drains on Ctrl-C, exits 130 with a resume hint, and resumes", async () => {
      const corpus = makeCorpus(300);
      const child = startCli(["folder", corpus, "--job", "interrupted", "--batch-size", "4", "--concurrency", "2", "--rps", "0", "--id-prefix", "int-", ...app.flags], env);
      const done = finished(child);
      await waitFor(() => ackCount(join(jobsDir, "interrupted.jsonl")) >= 20, 30_000);
      child.kill("SIGINT");
      const result = await done;
      expect(result.code).toBe(130);
      expect(result.stderr).toContain("resume with: clarifai-upload resume interrupted");
      const acked = ackCount(join(jobsDir, "interrupted.jsonl"));
      const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("int-"));
      // Every batch in flight finished and was logged: the log and the server agree.
      expect(stored).toHaveLength(acked);
      expect(acked).toBeLessThan(300);

      const resumed = await runCli(["resume", "interrupted", "--json", "--pat", "test-pat"], env);
      expect(resumed.code).toBe(0);
      expect(summaryOf(resumed.stdout)).toMatchObject({ discovered: 300, uploaded: 300 - acked, present: acked });
      // Its hint names the job, not the path of its log.
      expect(resumed.stdout).toContain("check with: clarifai-upload status interrupted");
      expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("int-"))).toHaveLength(300);
    });
    it("a Ctrl-C while --wait follows processing stops the waiting, not the job: its log calls the run complete", async () => {
      const slow = await startTestApp({ processingDelayMs: 60_000 });
      try {
        const corpus = makeCorpus(6);
        const child = startCli(["folder", corpus, "--job", "waited-out", "--wait", "--rps", "0", ...slow.flags], env);
        const done = finished(child);
        // Every input is acknowledged (synced with its batch); following processing begins then.
        await waitFor(() => ackCount(join(jobsDir, "waited-out.jsonl")) >= 6, 30_000);
        await sleep(1000);
        child.kill("SIGINT");
        const result = await done;
        expect(result.code).toBe(130);
        expect(result.stderr).toContain("stopped waiting; processing goes on");
        const shown = await runCli(["log", "show", "waited-out", "--json"], env);
        expect(shown.code, shown.stdout).toBe(0);
        expect(JSON.parse(shown.stdout)).not.toHaveProperty("last_run");
        // The log's summary of the run agrees: sent whole, the waiting cut short.
        expect(JSON.parse(shown.stdout).runs.at(-1)).toMatchObject({ outcome: "done", waited: "interrupted", uploaded: 6 });
      } finally {
        await slow.close();
      }
    });

    it("a run that ended on an error is logged so, not as killed", async () => {
      const dir = mkdtempSync(join(tmpdir(), "cu-err-"));
      writeFileSync(join(dir, "bad.csv"), "foo\n1\n");
      const app = await startTestApp();
      try {
        const failed = await runCli(["manifest", join(dir, "bad.csv"), "--job", "erred", ...app.flags], env);
        expect(failed.code).toBe(2);
        const shown = await runCli(["log", "show", "erred", "--json"], env);
        expect(shown.code).toBe(1);
        expect(String(JSON.parse(shown.stdout).last_run)).toMatch(/^the last run \(begun .*\) ended on an error \(.*bad\.csv.*\)/);
      } finally {
        await app.close();
      }
    });

    it("cancels the calls in flight on a second Ctrl-C, exits 130 with a resume hint, and resumes sending nothing twice", async () => {
      // Answers so slow that the run cannot drain between the two Ctrl-Cs, however busy the machine.
      const dataDir = mkdtempSync(join(tmpdir(), "cu-server-"));
      const slow = await startTestApp({ dataDir, faults: { latencyMs: 3000 } });
      const corpus = makeCorpus(40);
      let result: Awaited<ReturnType<typeof finished>> | undefined;
      try {
        const child = startCli(["folder", corpus, "--job", "cancelled", "--batch-size", "4", "--concurrency", "4", "--rps", "0", "--id-prefix", "cancel-", ...slow.flags], env);
        const done = finished(child);
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        await waitFor(() => ackCount(join(jobsDir, "cancelled.jsonl")) >= 4, 30_000);
        // The first answers are in; the next requests leave at once and are answered 3 s later.
        await new Promise((resolveWait) => setTimeout(resolveWait, 500));
        child.kill("SIGINT");
        // A second signal right after the first is the first sent twice (as `timeout` sends
        // it): one stop. Only one that comes later cancels.
        child.kill("SIGINT");
        await waitFor(() => stderr.includes("stopping"), 10_000);
        await new Promise((resolveWait) => setTimeout(resolveWait, 100));
        expect(stderr).not.toContain("cancelling the calls in flight");
        await new Promise((resolveWait) => setTimeout(resolveWait, 400));
        child.kill("SIGINT");
        result = await done;
      } finally {
        await slow.close();
      }
      expect(result?.code).toBe(130);
      expect(result?.stderr).toContain("cancelling the calls in flight");
      // The batches cancelled in flight are not called "not sent": they may be stored.
      expect(result?.stderr).toMatch(/no answer\s+\d+ \(cancelled as they were sent or about to be: the server may hold some\)/);
      expect(result?.stderr).toContain("resume with: clarifai-upload resume cancelled");

      // Inputs whose answers were cancelled may be on the server: the resume, against a
      // fast server on the same data, finds them present by digest.
      const fast = await startTestApp({ dataDir });
      try {
        const resumed = await runCli(["resume", "cancelled", "--json", "--api", `http://${fast.server.address}`, "--pat", "test-pat"], env);
        expect(resumed.code).toBe(0);
        const summary = summaryOf(resumed.stdout);
        expect(Number(summary.uploaded) + Number(summary.present)).toBe(40);
        const stored = new ClarifaiClient({ settings: { apiBase: `http://${fast.server.address}`, pat: "x", userId: slow.user, appId: slow.app, insecure: false } });
        const inputs = (await listAllInputs(stored)).filter((input) => input.id.startsWith("cancel-"));
        stored.close();
        expect(inputs).toHaveLength(40);
        expect(new Set(inputs.map((input) => input.id)).size).toBe(40);
      } finally {
        await fast.close();
      }
    });
  });

  it("exits 4 when the API cannot be reached, 2 on a usage error", async () => {
    const unreachable = await runCli(["folder", join(FIXTURES, "media"), "--api", `http://127.0.0.1:${await closedPort()}`, "--pat", "p", "--user", "u", "--app", "a", "--max-retries", "1"], env);
    expect(unreachable.code).toBe(4);
    // Nothing listening there: one line that names the address, no retries (see cli-connection).
    expect(unreachable.stderr).toMatch(/^clarifai-upload: cannot reach the API: nothing is listening at 127\.0\.0\.1:\d+ \(connection refused\)/);
    const usage = await runCli(["folder", join(FIXTURES, "media"), "--batch-size", "500", "--dry-run"], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--batch-size");
    const unknown = await runCli(["folder", join(FIXTURES, "media"), "--no-such-flag"], env);
    expect(unknown.code).toBe(2);
    const noPat = await runCli(["folder", join(FIXTURES, "media"), "--user", "u", "--app", "a"], env);
    expect(noPat.code).toBe(3);
  });

  it("reads NUL-separated paths from stdin", async () => {
    const app = await startTestApp();
    try {
      const files = ["image.jpg", "image.gif", "audio.wav"].map((name) => join(FIXTURES, "media", name));
      const result = await runCli(["files", "-0", "-", "--json", ...app.flags], env, files.join("\0") + "\0");
      expect(result.code).toBe(0);
      expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 3 });
      expect(await listAllInputs(app.client)).toHaveLength(3);

      const missing = await runCli(["files", join(FIXTURES, "media", "image.png"), "/no/such/file.jpg", "--json", ...app.flags], env);
      expect(missing.code).toBe(1);
      expect(summaryOf(missing.stdout)).toMatchObject({ discovered: 2, uploaded: 1, rejected: 1 });
      expect(missing.stdout).toContain('"reason":"unreadable"');
    } finally {
      await app.close();
    }
  });
});
