import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { makeZip } from "../helpers/server.js";
import { finished, FIXTURES, isolatedEnv, jsonLines, runCli, startCli, summaryOf } from "../helpers/cli.js";

const MEDIA = join(FIXTURES, "media");

/** A local "bucket": images, a video, text and an archive (which holds a nested archive). */
function makeBucket(): string {
  const root = mkdtempSync(join(tmpdir(), "cu-s3-"));
  const folder = join(root, "bucket", "images_folder");
  mkdirSync(join(folder, "abcdir"), { recursive: true });
  copyFileSync(join(MEDIA, "image.jpg"), join(folder, "abc1.jpg"));
  copyFileSync(join(MEDIA, "image.png"), join(folder, "abcdir", "x.png"));
  copyFileSync(join(MEDIA, "video.mp4"), join(folder, "abc-clip.mp4"));
  copyFileSync(join(MEDIA, "text.txt"), join(folder, "abc-notes.txt"));
  copyFileSync(join(FIXTURES, "archives", "mixed.zip"), join(folder, "abc-archive.zip"));
  copyFileSync(join(MEDIA, "image.gif"), join(folder, "xabc.gif")); // not under the prefix
  return root;
}

describe("cloud sources and archives the platform extracts", { timeout: 120_000 }, () => {
  let app: TestApp;
  let s3Root: string;
  const env = isolatedEnv({ AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "very-secret-key-1234" });

  beforeAll(async () => {
    s3Root = makeBucket();
    app = await startTestApp({ s3Root });
  });
  afterAll(async () => {
    await app.close();
  });

  it("pulls a bucket prefix with the template applied and follows the job to the end", async () => {
    const result = await runCli(["cloud", "s3://bucket/images_folder/abc", "--aws-region", "us-east-1", "--dataset", "cloud", "--concepts", "pulled", "--metadata", '{"origin":"s3"}', "--wait", "--json", ...app.flags], env);
    expect(result.stdout + result.stderr).not.toContain("very-secret-key-1234");
    const summary = summaryOf(result.stdout);
    expect(summary.outcome, result.stdout + result.stderr).toBe("done");
    const stored = await listAllInputs(app.client);
    // abc1.jpg, abcdir/x.png, abc-clip.mp4, abc-notes.txt, and the archive's entries; not xabc.gif.
    expect(stored.length).toBeGreaterThanOrEqual(4 + 5);
    expect(stored.some((input) => JSON.stringify(input).includes("xabc"))).toBe(false);
    for (const input of stored) {
      expect(input.datasetIds).toEqual(["cloud"]);
      expect(input.data?.concepts.map((c) => c.id)).toContain("pulled");
      expect(input.data?.metadata).toMatchObject({ origin: "s3" });
    }
    const extraction = (summary.extraction_jobs as Array<{ id: string; status: number; progress: Record<string, number> }>)[0];
    expect(extraction.progress.imageInputsCount).toBeGreaterThanOrEqual(2);
    expect(extraction.progress.videoInputsCount).toBeGreaterThanOrEqual(1);

    const list = await runCli(["extraction", "list", "--json", ...app.flags], env);
    expect(jsonLines(list.stdout).map((line) => line.id)).toContain(extraction.id);
    const got = await runCli(["extraction", "get", extraction.id, "--json", ...app.flags], env);
    expect(jsonLines(got.stdout)[0]).toMatchObject({ id: extraction.id, status: 64002 });
    const cancelled = await runCli(["extraction", "cancel", extraction.id, "--json", ...app.flags], env);
    expect(cancelled.code).toBe(0);
  });

  it("sends an archive in parts for the platform to unpack, and resumes an interrupted upload", async () => {
    const slow = await startTestApp({ faults: { latencyMs: 150 } });
    try {
      const archive = join(mkdtempSync(join(tmpdir(), "cu-arc-")), "bundle.zip");
      writeFileSync(archive, makeStoredZip(40));
      const jobsDir = join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs");
      const child = startCli(["zip", archive, "--server-extract", "--part-size", "2KiB", "--concurrency", "1", "--job", "parts", "--json", ...slow.flags], env);
      const done = finished(child);
      const log = join(jobsDir, "parts.jsonl");
      const deadline = Date.now() + 30_000;
      while (!(existsSync(log) && readFileSync(log, "utf8").split("\n").filter((line) => line.includes('"type":"part"')).length >= 2)) {
        if (Date.now() > deadline) throw new Error("no parts logged in time");
        await sleep(20);
      }
      child.kill("SIGKILL");
      await done;

      const resumed = await runCli(["resume", "parts", "--wait", "--json", "--pat", "test-pat"], env);
      expect(resumed.stdout, resumed.stderr).toContain('"event":"summary"');
      const summary = summaryOf(resumed.stdout);
      expect(summary, resumed.stdout + resumed.stderr).toMatchObject({ outcome: "done" });
      expect(Number(summary.sent_parts)).toBeLessThan(Number(summary.parts));
      const stored = await listAllInputs(slow.client);
      expect(stored).toHaveLength(40);
      expect(new Set(stored.map((input) => input.id)).size).toBe(40);
      // Sent whole without --wait ("uploaded": the platform unpacks it now) is a run that ended, not one to resume.
      const again = await runCli(["zip", archive, "--server-extract", "--job", "parts-again", ...slow.flags], env);
      expect(again.code, again.stderr).toBe(0);
      const shown = await runCli(["log", "show", "parts-again", "--json"], env);
      expect(shown.code, shown.stdout).toBe(0);
      expect(JSON.parse(shown.stdout)).not.toHaveProperty("last_run");
    } finally {
      await slow.close();
    }
  });
});

/** A ZIP of `count` small text files, stored (not compressed) so it is a few KiB. */
function makeStoredZip(count: number): Buffer {
  return makeZip(Array.from({ length: count }, (_, i) => ({ name: `notes/file-${i}.txt`, data: Buffer.from(`file number ${i}, some words to read\n`.repeat(4)) })));
}
