import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, useTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";
import { makePng } from "../helpers/server.js";
import { ClarifaiClient } from "../../src/api/client.js";

const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");
const inputLines = (stdout: string): Array<Record<string, unknown>> => jsonLines(stdout).filter((line) => line.event === "input");

/** A folder holding `pic.png` made from `seed`, so two folders can hold different files under one relative path. */
function folderWithPic(seed: number): { dir: string; bytes: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "cu-acc-"));
  const bytes = makePng(8, 8, seed);
  writeFileSync(join(dir, "pic.png"), bytes);
  return { dir, bytes };
}

async function storedBytes(app: TestApp, id: string): Promise<Buffer> {
  const answer = await app.client.call("getInput", { inputId: id });
  return Buffer.from(answer.input?.data?.image?.base64 ?? []);
}

describe("truthful accounting: content identity, conflicts, processing state, dry runs", { timeout: 90_000 }, () => {
  const testApp = useTestApp();
  const env = isolatedEnv();
  let app: TestApp;
  beforeEach(() => {
    app = testApp();
  });

  it("another file under a taken id is a conflict, never present; the same bytes from elsewhere are present", async () => {
    const x = folderWithPic(1);
    const y = folderWithPic(2);
    const first = await runCli(["folder", x.dir, "--json", "--id-prefix", "c1-", ...app.flags], env);
    expect(first.code).toBe(0);
    const id = String(inputLines(first.stdout)[0]?.id);
    const failedOut = join(mkdtempSync(join(tmpdir(), "cu-acc-out-")), "failed.csv");
    const second = await runCli(["folder", y.dir, "--json", "--id-prefix", "c1-", "--failed-out", failedOut, ...app.flags], env);
    expect(second.code).toBe(1);
    const [line] = inputLines(second.stdout);
    expect(line).toMatchObject({ status: "conflict", reason: "id_conflict" });
    // The message names both sides: the local file and what the server holds.
    expect(String(line?.message)).toContain(join(y.dir, "pic.png"));
    expect(String(line?.message)).toContain(sha256(x.bytes));
    expect(String(line?.message)).toContain(sha256(y.bytes));
    expect(summaryOf(second.stdout)).toMatchObject({ uploaded: 0, present: 0, conflicts: 1 });
    expect(readFileSync(failedOut, "utf8")).toContain("id_conflict");
    // The server still holds the first folder's bytes, with their digest.
    const stored = await app.client.call("getInput", { inputId: id });
    expect(stored.input?.data?.metadata?.content_sha256).toBe(sha256(x.bytes));
    expect(await storedBytes(app, id)).toEqual(x.bytes);

    // The same bytes under the same id, from another folder and job: present, exit 0.
    const copy = mkdtempSync(join(tmpdir(), "cu-acc-"));
    copyFileSync(join(x.dir, "pic.png"), join(copy, "pic.png"));
    const again = await runCli(["folder", copy, "--json", "--id-prefix", "c1-", ...app.flags], env);
    expect(again.code).toBe(0);
    expect(inputLines(again.stdout)[0]).toMatchObject({ status: "present" });
  });

  it("an edited file is a conflict by default; skip keeps the server's, suffix adds a version, replace swaps it", async () => {
    const { dir, bytes } = folderWithPic(3);
    const command = ["folder", dir, "--json", "--id-prefix", "c2-", "--job", "edits", ...app.flags];
    const first = await runCli(command, env);
    expect(first.code).toBe(0);
    const id = String(inputLines(first.stdout)[0]?.id);
    const edited = makePng(8, 8, 4);
    writeFileSync(join(dir, "pic.png"), edited);
    utimesSync(join(dir, "pic.png"), new Date(), new Date(Date.now() + 5000));

    const failed = await runCli(command, env);
    expect(failed.code).toBe(1);
    expect(inputLines(failed.stdout)[0]).toMatchObject({ status: "conflict", reason: "id_conflict" });
    expect(await storedBytes(app, id)).toEqual(bytes);

    const kept = await runCli([...command, "--id-conflict", "skip"], env);
    expect(kept.code).toBe(0);
    expect(inputLines(kept.stdout)[0]).toMatchObject({ status: "kept" });
    expect(summaryOf(kept.stdout)).toMatchObject({ kept: 1, present: 0 });
    expect(await storedBytes(app, id)).toEqual(bytes);
    // Recorded as kept: the next run says so again without asking the server.
    expect(inputLines((await runCli([...command, "--id-conflict", "skip"], env)).stdout)[0]).toMatchObject({ status: "kept", reason: "unchanged_since_last_run" });

    const suffixDir = mkdtempSync(join(tmpdir(), "cu-acc-"));
    writeFileSync(join(suffixDir, "pic.png"), edited);
    const suffixed = await runCli(["folder", suffixDir, "--json", "--id-prefix", "c2-", "--id-conflict", "suffix", ...app.flags], env);
    expect(suffixed.code).toBe(0);
    const suffixId = `${id}-${sha256(edited).slice(0, 8)}`;
    expect(inputLines(suffixed.stdout)[0]).toMatchObject({ status: "uploaded", id: suffixId });
    expect(await storedBytes(app, suffixId)).toEqual(edited);
    expect(await storedBytes(app, id)).toEqual(bytes);
    // Run again, the suffixed id is found holding the same content: present.
    const suffixedAgain = await runCli(["folder", suffixDir, "--json", "--id-prefix", "c2-", "--id-conflict", "suffix", "--job", "suffix-again", ...app.flags], env);
    expect(inputLines(suffixedAgain.stdout)[0]).toMatchObject({ status: "present", id: suffixId });

    // Another dataset is another target: a job of its own.
    const replaced = await runCli(["folder", dir, "--json", "--id-prefix", "c2-", "--job", "edits-replaced", "--id-conflict", "replace", "--dataset", "edited", "--concepts", "redone", ...app.flags], env);
    expect(replaced.code).toBe(0);
    expect(inputLines(replaced.stdout)[0]).toMatchObject({ status: "uploaded", id: id });
    const stored = await app.client.call("getInput", { inputId: id });
    expect(Buffer.from(stored.input?.data?.image?.base64 ?? [])).toEqual(edited);
    expect(stored.input?.data?.metadata?.content_sha256).toBe(sha256(edited));
    expect(stored.input?.data?.concepts.map((concept) => concept.id)).toEqual(["redone"]);
    expect(stored.input?.datasetIds).toEqual(["edited"]);
    expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith(id))).toHaveLength(2);
  });

  it("puts inputs found present into the dataset a later run names", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-ds-"));
    for (const seed of [40, 41]) writeFileSync(join(dir, `p${seed}.png`), makePng(5, 5, seed));
    expect((await runCli(["folder", dir, "--json", "--id-prefix", "ds-", ...app.flags], env)).code).toBe(0);
    const again = await runCli(["folder", dir, "--json", "--id-prefix", "ds-", "--dataset", "later", ...app.flags], env);
    expect(again.code).toBe(0);
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 0, present: 2 });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("ds-"));
    expect(stored.map((input) => input.datasetIds)).toEqual([["later"], ["later"]]);
  });

  it("a dry run reads the job's log: present, would_upload and changed files, marked dry_run, no add-job", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-dry-"));
    for (const name of ["a", "b", "c"]) writeFileSync(join(dir, `${name}.png`), makePng(6, 6, name.charCodeAt(0)));
    const command = ["folder", dir, "--json", "--id-prefix", "c3-", ...app.flags];
    expect((await runCli(command, env)).code).toBe(0);
    writeFileSync(join(dir, "d.png"), makePng(6, 6, 99));
    writeFileSync(join(dir, "a.png"), makePng(6, 6, 123));
    utimesSync(join(dir, "a.png"), new Date(), new Date(Date.now() + 5000));
    const before = (await listAllInputs(app.client)).length;

    const dry = await runCli([...command, "--dry-run"], env);
    const lines = jsonLines(dry.stdout);
    expect(lines.every((line) => line.dry_run === true)).toBe(true);
    const statusOf = (name: string): unknown => inputLines(dry.stdout).find((line) => String(line.source).endsWith(name))?.status;
    expect([statusOf("a.png"), statusOf("b.png"), statusOf("c.png"), statusOf("d.png")]).toEqual(["conflict", "present", "present", "would_upload"]);
    const summary = summaryOf(dry.stdout);
    expect(summary).toMatchObject({ dry_run: true, uploaded: 0, would_upload: 1, present: 2, conflicts: 1 });
    expect(summary.add_job).toBeUndefined();
    expect(await listAllInputs(app.client)).toHaveLength(before);
  });

  it("status, log show and --failed-out agree on the inputs that failed processing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-wait-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "good.jpg"));
    copyFileSync(join(FIXTURES, "broken", "truncated.jpg"), join(dir, "bad.jpg"));
    const failedOut = join(dir, "..", `${join(dir).split("/").pop()}-failed.csv`);
    const first = await runCli(["folder", dir, "--wait", "--json", "--job", "agree", "--failed-out", failedOut, ...app.flags], env);
    expect(first.code).toBe(1);
    expect(inputLines(first.stdout).filter((line) => line.status === "failed").map((line) => line.reason)).toEqual(["processing_failed"]);

    const status = await runCli(["status", "agree", "--json", "--pat", "test-pat"], env);
    const statusLines = jsonLines(status.stdout);
    expect(statusLines[0]).toMatchObject({ event: "status", processed: 1, failed: 1, missing: 0, pending: 0 });
    const named = statusLines.filter((line) => line.event === "input");
    expect(named).toHaveLength(1);
    expect(named[0]).toMatchObject({ status: "processing_failed" });
    expect(String(named[0]?.source)).toMatch(/bad\.jpg$/);
    expect(String(named[0]?.message)).toContain("INPUT_FAILED");

    const show = jsonLines((await runCli(["log", "show", "agree", "--json"], env)).stdout)[0] as Record<string, unknown>;
    expect(show).toMatchObject({ processing_failed: 1, processed: 1 });
    expect((show.problems as Array<{ source: string }>).map((problem) => problem.source)).toEqual([named[0]?.source]);
    expect(readFileSync(failedOut, "utf8")).toContain("bad.jpg");
  });

  it("a processing failure is sent again by the next run, and after --max-processing-attempts no more", async () => {
    const flaky = await startTestApp({ faults: { processingFailure: 1, seed: 5 } });
    try {
      const dir = mkdtempSync(join(tmpdir(), "cu-acc-proc-"));
      copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "fine.jpg"));
      copyFileSync(join(FIXTURES, "broken", "truncated.jpg"), join(dir, "broken.jpg"));
      const command = ["folder", dir, "--wait", "--json", "--job", "proc", "--max-processing-attempts", "2", ...flaky.flags];
      // Every input fails its first processing (injected); the broken one fails every time.
      const first = await runCli(command, env);
      expect(first.code).toBe(1);
      expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 0, failed: 2 });

      const second = await runCli(command, env);
      expect(second.code).toBe(1);
      const statuses = Object.fromEntries(inputLines(second.stdout).map((line) => [String(line.source).split("/").pop(), line.status]));
      expect(statuses).toEqual({ "fine.jpg": "uploaded", "broken.jpg": "failed" });
      const stored = await listAllInputs(flaky.client);
      expect(stored).toHaveLength(2);

      // broken.jpg failed twice, as many times as allowed: reported, not sent again.
      const third = await runCli(command, env);
      expect(third.code).toBe(1);
      const lines = inputLines(third.stdout);
      expect(lines.find((line) => String(line.source).endsWith("fine.jpg"))).toMatchObject({ status: "present" });
      const broken = lines.find((line) => String(line.source).endsWith("broken.jpg"));
      expect(broken).toMatchObject({ status: "failed", reason: "processing_failed" });
      expect(String(broken?.message)).toContain("not sent again");
      expect(summaryOf(third.stdout)).toMatchObject({ uploaded: 0, batches: 0, failed: 1, present: 1 });
      const after = await listAllInputs(flaky.client);
      expect(after.map((input) => `${input.id}:${String(input.createdAt?.getTime())}`).sort()).toEqual(stored.map((input) => `${input.id}:${String(input.createdAt?.getTime())}`).sort());
    } finally {
      await flaky.close();
    }
  });

  it("a manifest line that holds another row since is another input: its own id, in the dry run and the real one", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-rows-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "good.jpg"));
    copyFileSync(join(FIXTURES, "broken", "truncated.jpg"), join(dir, "broken.jpg"));
    const manifest = join(dir, "list.csv");
    writeFileSync(manifest, "id,file\nrow-bad,broken.jpg\n");
    const command = ["manifest", manifest, "--json", "--job", "rows", ...app.flags];
    expect(summaryOf((await runCli([...command, "--wait"], env)).stdout)).toMatchObject({ failed: 1 });
    // A row inserted above: line 2 now holds row-new, the failed row moved to line 3.
    writeFileSync(manifest, "id,file\nrow-new,good.jpg\nrow-bad,broken.jpg\n");
    const byLine = (stdout: string) => Object.fromEntries(inputLines(stdout).map((line) => [String(line.source).split(":").pop(), [line.id, line.status]]));
    const dry = await runCli([...command, "--dry-run"], env);
    expect(byLine(dry.stdout)).toEqual({ 2: ["row-new", "would_upload"], 3: ["row-bad", "would_upload"] });
    const real = await runCli(command, env);
    expect(byLine(real.stdout)).toEqual({ 2: ["row-new", "uploaded"], 3: ["row-bad", "uploaded"] });
    expect(await storedBytes(app, "row-new")).toEqual(readFileSync(join(dir, "good.jpg")));
    expect(await storedBytes(app, "row-bad")).toEqual(readFileSync(join(dir, "broken.jpg")));
  });

  it("manifest rows without an id keep their ids when a row is inserted above or the manifest is sorted: nothing is stored twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-ids-"));
    const manifest = join(dir, "notes.csv");
    const rows = ["type,text,url", "text,first note,", "text,second note,", "image,,https://samples.example/moved.jpg"];
    writeFileSync(manifest, `${rows.join("\n")}\n`);
    const command = ["manifest", manifest, "--json", "--id-prefix", "rows-", "--job", "moving-rows", ...app.flags];
    const first = await runCli(command, env);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 3 });
    const idOf = (stdout: string) => Object.fromEntries(inputLines(stdout).map((line) => [String(line.source).split(":").pop(), line.id]));
    const before = idOf(first.stdout);
    // A row inserted at the top, the rest in reverse order: every old row is on another line now.
    writeFileSync(manifest, `${[rows[0], "text,new note,", rows[3], rows[2], rows[1]].join("\n")}\n`);
    const second = await runCli(command, env);
    expect(second.code).toBe(0);
    // The texts are present under their ids. The URL row is sent again under its id: the
    // local server cannot fetch it, so its processing failed, and such an input is resent.
    expect(summaryOf(second.stdout)).toMatchObject({ uploaded: 2, present: 2, conflicts: 0 });
    const after = idOf(second.stdout);
    expect([after[3], after[4], after[5]]).toEqual([before[4], before[3], before[2]]);
    const stored = await listAllInputs(app.client);
    const mine = stored.filter((input) => input.id.startsWith("rows-"));
    expect(mine).toHaveLength(4);
    const digests = ["first note", "second note", "new note", "https://samples.example/moved.jpg"].map((text) => sha256(Buffer.from(text)));
    expect(mine.map((input) => input.data?.metadata?.content_sha256).sort()).toEqual(digests.sort());
  });

  it("a dry run after a run that met other content under an id says conflict, as the real run will", async () => {
    const x = folderWithPic(41);
    const y = folderWithPic(42);
    expect((await runCli(["folder", x.dir, "--json", "--id-prefix", "c9-", ...app.flags], env)).code).toBe(0);
    const command = ["folder", y.dir, "--json", "--id-prefix", "c9-", "--job", "met-other", ...app.flags];
    const real = await runCli(command, env);
    expect(inputLines(real.stdout).map((line) => [line.status, line.reason])).toEqual([["conflict", "id_conflict"]]);
    const dry = await runCli([...command, "--dry-run"], env);
    expect(dry.code).toBe(1);
    expect(inputLines(dry.stdout).map((line) => [line.status, line.reason])).toEqual([["conflict", "id_conflict"]]);
    expect(String(inputLines(dry.stdout)[0]?.message)).toContain("a real run asks the server again");
    expect(inputLines((await runCli(command, env)).stdout).map((line) => line.status)).toEqual(["conflict"]);
  });

  it("an input status found gone from the server is missing in every report, and the next run sends it again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-acc-gone-"));
    for (const seed of [61, 62, 63]) writeFileSync(join(dir, `g${seed}.png`), makePng(6, 6, seed));
    const command = ["folder", dir, "--json", "--id-prefix", "gone-", "--job", "went-missing", ...app.flags];
    expect(summaryOf((await runCli(command, env)).stdout)).toMatchObject({ uploaded: 3 });
    const lost = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("gone-g62"));
    expect(lost).toHaveLength(1);
    await app.client.call("deleteInputs", { ids: [lost[0]?.id ?? ""] });

    const status = await runCli(["status", "went-missing", "--json", "--pat", "test-pat"], env);
    expect(status.code).toBe(1);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ processed: 2, missing: 1 });
    const show = await runCli(["log", "show", "went-missing", "--json"], env);
    expect(show.code).toBe(1);
    const shown = jsonLines(show.stdout)[0] as { missing: number; problems: Array<{ status: string; source: string }> };
    expect(shown.missing).toBe(1);
    expect(shown.problems.map((problem) => [problem.status, problem.source])).toEqual([["missing", join(dir, "g62.png")]]);

    const dry = await runCli([...command, "--dry-run"], env);
    expect(inputLines(dry.stdout).map((line) => line.status).sort()).toEqual(["present", "present", "would_upload"]);
    const again = await runCli(command, env);
    expect(again.code).toBe(0);
    expect(inputLines(again.stdout).find((line) => String(line.source).endsWith("g62.png"))).toMatchObject({ status: "uploaded" });
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 1, present: 2 });
    expect(await storedBytes(app, lost[0]?.id ?? "")).toEqual(readFileSync(join(dir, "g62.png")));
    const settled = await runCli(["status", "went-missing", "--json", "--pat", "test-pat"], env);
    expect(settled.code).toBe(0);
    expect(jsonLines(settled.stdout)[0]).toMatchObject({ missing: 0 });
  });

  it("an input answered INPUT_FAILED inside MIXED_STATUS is retried, not recorded as failed", async () => {
    const flaky = await startTestApp({ faults: { inputFailed: 0.5, seed: 3 } });
    try {
      const dir = mkdtempSync(join(tmpdir(), "cu-acc-retry-"));
      mkdirSync(join(dir, "sub"));
      for (let i = 0; i < 12; i++) writeFileSync(join(dir, "sub", `p${i}.png`), makePng(4, 4, 30 + i));
      const result = await runCli(["folder", dir, "--json", "--rps", "0", "--max-retries", "10", ...flaky.flags], env);
      expect(result.code).toBe(0);
      expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 12, failed: 0 });
      expect(jsonLines(result.stdout).some((line) => line.event === "retry" && String(line.message).includes("INPUT_FAILED"))).toBe(true);
      expect(await listAllInputs(flaky.client)).toHaveLength(12);
    } finally {
      await flaky.close();
    }
  });

  it("posts again, on the next run, the regions a run could not store", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cu-acc-regions-"));
    const flat = join(FIXTURES, "labels", "yolo-flat");
    const command = (flags: string[]): string[] => ["folder", flat, "--annotations", flat, "--json", "--job", "regions", "--concurrency", "1", "--rps", "0", ...flags];
    // Seed 1 lets the first request (PostInputs) through and throttles the second (PostAnnotations).
    const throttled = await startTestApp({ dataDir, faults: { throttle: 0.5, seed: 1 } });
    let first;
    try {
      first = await runCli(command(["--max-retries", "0", ...throttled.flags]), env);
    } finally {
      await throttled.close();
    }
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 3, annotations: 0 });
    const refused = jsonLines(first.stdout).filter((line) => line.event === "annotation" && String(line.message).includes("CONN_THROTTLED"));
    expect(refused).toHaveLength(2);
    // log show says so too, and fails, as the run did: the inputs are in, their regions are not.
    const shown = await runCli(["log", "show", "regions", "--json"], env);
    expect(shown.code).toBe(1);
    const job = JSON.parse(shown.stdout) as { regions_pending: number; problems: Array<{ reason: string }> };
    expect(job.regions_pending).toBe(2);
    expect(job.problems.filter((problem) => problem.reason === "regions_pending")).toHaveLength(2);

    const clean = await startTestApp({ dataDir });
    try {
      const flags = ["--api", clean.flags[1] ?? "", "--pat", "test-pat", "--user", throttled.user, "--app", throttled.app];
      const second = await runCli(command(flags), env);
      // The fixture's own unreadable label line is refused on every run; nothing else is.
      const problems = jsonLines(second.stdout).filter((line) => line.event === "annotation");
      expect(problems.every((line) => !String(line.message).includes("PostAnnotations"))).toBe(true);
      expect(summaryOf(second.stdout)).toMatchObject({ uploaded: 0, present: 3, annotations: 2 });
      const stored = new ClarifaiClient({ settings: { apiBase: `http://${clean.server.address}`, pat: "x", userId: throttled.user, appId: throttled.app, insecure: false } });
      const listed = await stored.call("listAnnotations", { inputIds: [], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
      stored.close();
      expect(listed.annotations.flatMap((annotation) => annotation.data?.regions ?? [])).toHaveLength(2);
      // Now stored: a third run has nothing to send, and log show nothing to say.
      expect(summaryOf((await runCli(command(flags), env)).stdout)).toMatchObject({ uploaded: 0, present: 3, batches: 0 });
      expect(JSON.parse((await runCli(["log", "show", "regions", "--json"], env)).stdout)).toMatchObject({ regions_pending: 0 });
    } finally {
      await clean.close();
    }
  });

  it("checks every option of zip --server-extract like any upload's", async () => {
    const result = await runCli(["zip", join(FIXTURES, "archives", "mixed.zip"), "--server-extract", "--rps", "abc", ...app.flags], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--rps abc");
  });

  it("refuses, before anything is sent, the options zip --server-extract cannot honour: a dry run, a shard, a transform, ...", async () => {
    const archive = join(FIXTURES, "archives", "mixed.zip");
    const dry = await runCli(["zip", archive, "--server-extract", "--dry-run", "--job", "extract-dry", ...app.flags], env);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toContain("--dry-run: with --server-extract the archive is sent whole");
    const others = await runCli(["zip", archive, "--server-extract", "--shard", "0/2", "--id-prefix", "x-", "--job", "extract-shard", ...app.flags], env);
    expect(others.code).toBe(2);
    expect(others.stderr).toContain("--shard, --id-prefix: with --server-extract the platform unpacks the archive");
    // Refused before the job was begun: no job log, so nothing was sent.
    const jobsDir = join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs");
    for (const job of ["extract-dry", "extract-shard"]) expect(existsSync(join(jobsDir, `${job}.jsonl`))).toBe(false);
  });
});
