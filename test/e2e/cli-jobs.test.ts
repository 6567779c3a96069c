import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";
import { pngOfSize } from "../helpers/server.js";

describe("waiting, status, logs and other sources", { timeout: 60_000 }, () => {
  let app: TestApp;
  const env = isolatedEnv();

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("--wait reports an input that fails processing, and status reconciles it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-wait-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "good.jpg"));
    copyFileSync(join(FIXTURES, "broken", "truncated.jpg"), join(dir, "bad.jpg"));
    const result = await runCli(["folder", dir, "--wait", "--json", "--job", "waited", ...app.flags], env);
    expect(result.code).toBe(1);
    const failed = jsonLines(result.stdout).filter((line) => line.event === "input" && line.status === "failed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ reason: "processing_failed" });
    expect(String(failed[0].source)).toMatch(/bad\.jpg$/);
    expect(String(failed[0].message)).toContain("INPUT_FAILED");
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 1, failed: 1 });

    const status = await runCli(["status", "waited", "--json", "--pat", "test-pat"], env);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ event: "status", acknowledged: 2, processed: 1, failed: 1, missing: 0, pending: 0 });
    expect(status.code).toBe(1);

    // The server lost an input: status notices, and --retry sends it again from its source.
    const stored = await listAllInputs(app.client);
    const good = stored.find((input) => input.id.startsWith("good_jpg"));
    await app.client.call("deleteInputs", { ids: [good?.id ?? ""] });
    const missing = await runCli(["status", "waited", "--json", "--pat", "test-pat"], env);
    expect(jsonLines(missing.stdout)[0]).toMatchObject({ processed: 0, failed: 1, missing: 1 });
    const retried = await runCli(["status", "waited", "--retry", "--json", "--pat", "test-pat"], env);
    // Both are sent again; the job was run with --wait, so the broken one fails processing again.
    expect(summaryOf(retried.stdout)).toMatchObject({ discovered: 2, uploaded: 1, failed: 1 });
    const after = await listAllInputs(app.client);
    expect(after.map((input) => input.id).sort()).toEqual(stored.map((input) => input.id).sort());
  });

  it("status --retry deletes only what it sends again: not an input that failed processing as often as allowed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-capped-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "good.jpg"));
    copyFileSync(join(FIXTURES, "broken", "truncated.jpg"), join(dir, "bad.jpg"));
    const first = await runCli(["folder", dir, "--wait", "--json", "--job", "capped", "--max-processing-attempts", "1", "--id-prefix", "capped-", ...app.flags], env);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 1, failed: 1 });
    const retried = await runCli(["status", "capped", "--retry", "--json", "--pat", "test-pat"], env);
    expect(retried.code).toBe(1);
    expect(retried.stdout).toContain("as many as --max-processing-attempts allows");
    // Still on the server, as the job log says: failed processing, not deleted.
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("capped-"));
    expect(stored.map((input) => input.id.split("_")[0]).sort()).toEqual(["capped-bad", "capped-good"]);
    const status = await runCli(["status", "capped", "--json", "--pat", "test-pat"], env);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ processed: 1, failed: 1, missing: 0 });
  });

  it("status finds an input whose id another upload took over with other content: missing, not processed", async () => {
    const one = join(mkdtempSync(join(tmpdir(), "cu-taken-")), "imgs");
    const two = join(mkdtempSync(join(tmpdir(), "cu-taken-")), "imgs");
    mkdirSync(one);
    mkdirSync(two);
    writeFileSync(join(one, "x.png"), pngOfSize(300));
    writeFileSync(join(two, "x.png"), pngOfSize(301));
    const flags = ["--id-prefix", "taken-", ...app.flags];
    expect((await runCli(["folder", one, "--job", "taken-one", ...flags], env)).code).toBe(0);
    expect((await runCli(["folder", two, "--job", "taken-two", "--id-conflict", "replace", ...flags], env)).code).toBe(0);
    const status = await runCli(["status", "taken-one", "--json", "--pat", "test-pat"], env);
    expect(status.code).toBe(1);
    const [counts, line] = jsonLines(status.stdout);
    expect(counts).toMatchObject({ processed: 0, missing: 1 });
    expect(String(line?.message)).toContain("holds other content");
    // The next run does not call it present: it meets the id taken by other content.
    const again = await runCli(["folder", one, "--job", "taken-one", "--json", ...flags], env);
    expect(again.code).toBe(1);
    expect(summaryOf(again.stdout)).toMatchObject({ present: 0, conflicts: 1 });
  });

  it("with --id-from name, a file added later does not take the id of a file of the same name sent before", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-namesake-"));
    for (const [folder, size] of [["b", 400], ["c", 401]] as const) {
      mkdirSync(join(root, folder));
      writeFileSync(join(root, folder, "x.png"), pngOfSize(size));
    }
    const command = ["folder", root, "--id-from", "name", "--id-prefix", "namesake-", "--job", "namesake", "--json", ...app.flags];
    expect(summaryOf((await runCli([...command, "--id-conflict", "replace"], env)).stdout)).toMatchObject({ uploaded: 2 });
    // a/x.png comes first in the walk now: the id b/x.png took stays b/x.png's.
    mkdirSync(join(root, "a"));
    writeFileSync(join(root, "a", "x.png"), pngOfSize(402));
    for (const policy of ["fail", "replace"]) {
      const again = await runCli([...command, "--id-conflict", policy], env);
      expect(again.code).toBe(0);
      expect(summaryOf(again.stdout)).toMatchObject({ uploaded: policy === "fail" ? 1 : 0, present: policy === "fail" ? 2 : 3, conflicts: 0 });
      if (policy === "fail") expect(jsonLines(again.stdout).some((line) => line.event === "warning" && String(line.message).includes("another file of that name"))).toBe(true);
    }
    // An edit of a/x.png, which holds the second id, meets --id-conflict there, not a conflict it cannot leave.
    writeFileSync(join(root, "a", "x.png"), pngOfSize(403));
    const edited = await runCli([...command, "--id-conflict", "replace"], env);
    expect(edited.code, edited.stdout).toBe(0);
    expect(summaryOf(edited.stdout)).toMatchObject({ uploaded: 1, present: 2, conflicts: 0 });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("namesake-"));
    const digestOf = (name: string): string => createHash("sha256").update(readFileSync(join(root, name, "x.png"))).digest("hex");
    expect(stored.map((input) => input.data?.metadata?.content_sha256).sort()).toEqual(["a", "b", "c"].map(digestOf).sort());
    expect(stored.find((input) => input.data?.metadata?.path === "b/x.png")?.id).toBe("namesake-x_png-" + createHash("sha256").update("namesake-x.png").digest("hex").slice(0, 8));
  });

  it("with --id-from name, a file's own id stays its own when its path metadata changed (files run from another folder)", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-own-"));
    mkdirSync(join(root, "imgs"));
    writeFileSync(join(root, "imgs", "cat.png"), pngOfSize(410));
    const own = isolatedEnv();
    const first = await runCli(["files", "imgs/cat.png", "--id-from", "name", "--id-prefix", "own-", "--job", "own-name", "--json", ...app.flags], own, undefined, root);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 1 });
    writeFileSync(join(root, "imgs", "cat.png"), pngOfSize(411));
    // From another folder the path metadata is another, but the file and its id are the same: a conflict, as before.
    const resumed = await runCli(["resume", "own-name", "--json", "--pat", "test-pat"], own, undefined, join(root, "imgs"));
    expect(summaryOf(resumed.stdout)).toMatchObject({ uploaded: 0, conflicts: 1 });
    expect(jsonLines(resumed.stdout).some((line) => String(line.message).includes("another file of that name"))).toBe(false);
    expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("own-"))).toHaveLength(1);
  });

  it("stops counting a rejected file once a run of the whole folder no longer finds it and it is gone from the disk, and only then", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-gone-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "good.jpg"));
    for (const name of ["empty.jpg", "random.bin", "document.pdf"]) copyFileSync(join(FIXTURES, "broken", name), join(dir, name));
    const command = ["folder", dir, "--job", "gone-files", "--id-prefix", "vanished-", ...app.flags];
    expect(summaryOf((await runCli([...command, "--json"], env)).stdout)).toMatchObject({ uploaded: 1, rejected: 3 });
    // A run that does not meet them while they are still there drops nothing: another --include.
    expect((await runCli([...command, "--include", "good.jpg"], env)).code).toBe(0);
    expect(jsonLines((await runCli(["log", "show", "gone-files", "--json"], env)).stdout)[0]).toMatchObject({ rejected: 3 });
    rmSync(join(dir, "empty.jpg"));
    rmSync(join(dir, "random.bin"));
    // A dry run writes nothing: the job still counts them.
    await runCli([...command, "--dry-run"], env);
    expect(jsonLines((await runCli(["log", "show", "gone-files", "--json"], env)).stdout)[0]).toMatchObject({ rejected: 3 });
    const again = await runCli(command, env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("2 file(s) this job reported as not got in no longer exist: no longer counted");
    const show = await runCli(["log", "show", "gone-files", "--json"], env);
    expect(jsonLines(show.stdout)[0]).toMatchObject({ rejected: 1, acknowledged: 1 });
    expect((jsonLines(show.stdout)[0]?.problems as Array<{ source: string }>).map((problem) => problem.source)).toEqual([join(dir, "document.pdf")]);
    rmSync(join(dir, "document.pdf"));
    expect((await runCli(command, env)).code).toBe(0);
    expect((await runCli(["log", "show", "gone-files"], env)).code).toBe(0);
    const status = await runCli(["status", "gone-files", "--json", "--pat", "test-pat"], env);
    expect(status.code).toBe(0);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ processed: 1, rejected: 0 });
  });

  it("status --retry sends lost archive entries and manifest rows again, as they were first sent", async () => {
    const jobs = [
      { job: "zipped", args: ["zip", join(FIXTURES, "archives", "mixed.zip"), "--id-prefix", "retry-zip-", "--concepts", "zipped"] },
      { job: "listed", args: ["manifest", join(FIXTURES, "manifests", "simple.csv"), "--id-prefix", "retry-row-"] },
    ];
    for (const { job, args } of jobs) {
      const first = await runCli([...args, "--json", "--job", job, ...app.flags], env);
      const sent = jsonLines(first.stdout).filter((line) => line.event === "input" && line.status === "uploaded");
      expect(sent.length).toBeGreaterThan(1);
      const ids = sent.map((line) => String(line.id));
      const before = (await listAllInputs(app.client)).filter((input) => ids.includes(input.id));
      expect(before).toHaveLength(ids.length);

      const lost = before[1];
      await app.client.call("deleteInputs", { ids: [lost?.id ?? ""] });
      const retried = await runCli(["status", job, "--retry", "--json", "--pat", "test-pat"], env);
      const status = jsonLines(retried.stdout)[0] as { event: string; missing: number; failed: number; rejected: number; not_sent: number; conflicts: number };
      expect(status).toMatchObject({ event: "status", missing: 1 });
      // Only the lost one and any that failed processing (the manifest's URL cannot be
      // fetched offline) are read and sent; what the source said of the others is not said again.
      const resent = status.missing + status.failed;
      expect(summaryOf(retried.stdout)).toMatchObject({ discovered: resent, uploaded: resent, rejected: 0, failed: 0 });
      // What never got in (rows and entries the first run rejected) is not --retry's to send, and still fails the check.
      expect(status.rejected).toBe(jsonLines(first.stdout).filter((line) => line.event === "input" && line.status === "rejected").length);
      expect(retried.code).toBe(status.rejected + status.not_sent + status.conflicts > 0 ? 1 : 0);

      const after = (await listAllInputs(app.client)).filter((input) => ids.includes(input.id));
      expect(after.map((input) => input.id).sort()).toEqual([...ids].sort());
      const again = after.find((input) => input.id === lost?.id);
      expect(again?.data?.metadata).toEqual(lost?.data?.metadata);
      expect(again?.data?.concepts).toEqual(lost?.data?.concepts);
      expect(again?.datasetIds).toEqual(lost?.datasetIds);
    }
  });

  it("status --retry does not send a manifest line that holds another row since under the old row's id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-retry-rows-"));
    for (const name of ["image.jpg", "image.png", "image.gif"]) copyFileSync(join(FIXTURES, "media", name), join(dir, name));
    const manifest = join(dir, "m.csv");
    writeFileSync(manifest, "id,file\nrows-a,image.jpg\nrows-b,image.png\n");
    expect(summaryOf((await runCli(["manifest", manifest, "--json", "--job", "moved-rows", ...app.flags], env)).stdout)).toMatchObject({ uploaded: 2 });
    await app.client.call("deleteInputs", { ids: ["rows-b"] });
    // A row inserted at the top: line 3, where rows-b was, holds rows-a now.
    writeFileSync(manifest, "id,file\nrows-c,image.gif\nrows-a,image.jpg\nrows-b,image.png\n");
    const retried = await runCli(["status", "moved-rows", "--retry", "--json", "--pat", "test-pat"], env);
    expect(retried.code).toBe(1);
    expect(jsonLines(retried.stdout).find((line) => line.event === "input" && line.status === "rejected")).toMatchObject({ reason: "source_gone", source: `${manifest}:3` });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("rows-"));
    expect(stored.map((input) => input.id)).toEqual(["rows-a"]);
  });

  it("resumes a job whose saved options an earlier version took and this one refuses when typed (an --id-prefix of 40 characters)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-old-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "a.jpg"));
    copyFileSync(join(FIXTURES, "media", "image.png"), join(dir, "b.png"));
    const prefix = `old${"x".repeat(37)}`;
    expect((await runCli(["folder", dir, "--json", "--job", "old-prefix", "--id-prefix", prefix, ...app.flags], env)).code).toBe(2);
    // What an earlier version wrote: the same job begun with the short prefix, its header saying the long one.
    const first = await runCli(["folder", dir, "--json", "--job", "old-prefix", "--id-prefix", "old-", ...app.flags], env);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 2 });
    const log = join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs", "old-prefix.jsonl");
    const [head, ...rest] = readFileSync(log, "utf8").split("\n");
    writeFileSync(log, [head!.replace('"idPrefix":"old-"', `"idPrefix":"${prefix}"`), ...rest].join("\n"));
    rmSync(`${log}.index`, { force: true });
    const resumed = await runCli(["resume", "old-prefix", "--json", "--pat", "test-pat"], env);
    expect(resumed.stderr).not.toContain("--id-prefix");
    expect(resumed.code).toBe(0);
    expect(summaryOf(resumed.stdout)).toMatchObject({ uploaded: 0, present: 2 });
  });

  it("status --retry reports an input whose file is gone, and sends the rest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-gone-"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "kept.jpg"));
    copyFileSync(join(FIXTURES, "media", "image.png"), join(dir, "gone.png"));
    const first = await runCli(["folder", dir, "--json", "--job", "gone", "--id-prefix", "gone-", ...app.flags], env);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 2 });
    const ids = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("gone-")).map((input) => input.id);
    await app.client.call("deleteInputs", { ids });
    rmSync(join(dir, "gone.png"));
    const retried = await runCli(["status", "gone", "--retry", "--json", "--pat", "test-pat"], env);
    expect(retried.code).toBe(1);
    expect(summaryOf(retried.stdout)).toMatchObject({ uploaded: 1, rejected: 1 });
    const rejected = jsonLines(retried.stdout).find((line) => line.event === "input" && line.status === "rejected");
    expect(rejected).toMatchObject({ reason: "source_gone", source: join(dir, "gone.png") });
    expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("gone-")).map((input) => input.id)).toEqual(ids.filter((id) => id.startsWith("gone-kept")));
  });

  it("before any job: log list says so on stderr, and status of the empty name it gave a script says why", async () => {
    const fresh = isolatedEnv();
    const list = await runCli(["log", "list", "--json"], fresh);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe("");
    expect(list.stderr).toContain("no jobs yet in ");
    const status = await runCli(["status", "", "--pat", "test-pat"], fresh);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain("the job name is empty: is there a job yet?");
  });

  it("log list and log show describe jobs", async () => {
    const list = await runCli(["log", "list", "--json"], env);
    expect(list.code).toBe(0);
    const jobs = jsonLines(list.stdout);
    expect(jobs.map((job) => job.job)).toContain("waited");
    const show = await runCli(["log", "show", "waited"], env);
    // The job has an input that failed processing: log show says so, as status does.
    expect(show.stdout).toMatch(/! processing_failed/);
    expect(show.code).toBe(1);
    expect(show.stdout).toContain("command    folder");
    expect(show.stdout).toMatch(/inputs +\d+ acknowledged/);
    const none = await runCli(["log", "show", "no-such-job"], env);
    expect(none.code).toBe(2);
  });

  it("a folder where a job log should be is named in one line, and hides no other job", async () => {
    const own = isolatedEnv();
    const upload = await runCli(["folder", join(FIXTURES, "tree"), "--job", "beside", "--json", "--id-prefix", "beside-", ...app.flags], own);
    expect(upload.code).toBe(0);
    const jobs = join(String(own.XDG_STATE_HOME), "clarifai-upload", "jobs");
    mkdirSync(join(jobs, "odd.jsonl"));
    writeFileSync(join(jobs, "notes.jsonl"), '{"mine": true}\n');
    const list = await runCli(["log", "list"], own);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^beside /);
    expect(list.stdout).not.toContain("notes");
    const notes = await runCli(["log", "show", "notes"], own);
    expect(notes.code).toBe(2);
    expect(notes.stderr).toBe(`clarifai-upload: ${join(jobs, "notes.jsonl")}: not a job log of this tool\n`);
    expect(readdirSync(jobs).filter((name) => name.startsWith("notes"))).toEqual(["notes.jsonl"]);
    for (const args of [["log", "show", "odd"], ["status", "odd"], ["resume", join(jobs, "odd.jsonl")], ["folder", join(FIXTURES, "tree"), "--job", "odd", ...app.flags]]) {
      const result = await runCli(args, own);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toBe(`clarifai-upload: ${join(jobs, "odd.jsonl")}: cannot open the job log (EISDIR)\n`);
    }
  });

  it("uploads URL lists with types from the extension or --type", async () => {
    const list = join(mkdtempSync(join(tmpdir(), "cu-urls-")), "urls.txt");
    writeFileSync(list, "# samples\nhttps://samples.example/metro-north.jpg\nhttps://samples.example/beer.mp4\nftp://nope.example/x.jpg\nhttps://samples.example/noext\n");
    const result = await runCli(["urls", list, "--json", "--id-prefix", "url-", ...app.flags], env);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout).filter((line) => line.event === "input");
    expect(events.filter((e) => e.status === "uploaded")).toHaveLength(2);
    expect(events.find((e) => String(e.source).startsWith("ftp:"))).toMatchObject({ status: "rejected", reason: "invalid_url" });
    expect(events.find((e) => String(e.source).endsWith("noext"))).toMatchObject({ status: "rejected", reason: "unsupported_format" });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("url-"));
    expect(stored.map((input) => input.data?.image?.url || input.data?.video?.url).sort()).toEqual(["https://samples.example/beer.mp4", "https://samples.example/metro-north.jpg"]);

    const typed = await runCli(["urls", "-", "--type", "image", "--json", "--id-prefix", "typed-", ...app.flags], env, "https://samples.example/noext\n");
    expect(summaryOf(typed.stdout)).toMatchObject({ uploaded: 1 });
  });

  it("takes a path or URL listed twice for one input, sent once and accounted for once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-twice-"));
    const png = join(dir, "once.png");
    copyFileSync(join(FIXTURES, "media", "image.png"), png);
    const files = await runCli(["files", png, png, join(dir, ".", "once.png"), "--json", "--id-prefix", "twice-", "--job", "twice", ...app.flags], env);
    expect(files.code).toBe(0);
    expect(jsonLines(files.stdout).filter((line) => line.event === "warning").map((line) => line.message)).toEqual([`${png}: listed more than once; it is one input, sent once`, `${png}: listed more than once; it is one input, sent once`]);
    expect(summaryOf(files.stdout)).toMatchObject({ discovered: 1, uploaded: 1 });
    const missing = join(dir, "missing.png");
    const gone = await runCli(["files", "-", "--json", "--id-prefix", "twice-gone-", ...app.flags], env, `${missing}\n${missing}\n`);
    expect(summaryOf(gone.stdout)).toMatchObject({ discovered: 1, rejected: 1 });
    const urls = await runCli(["urls", "-", "--json", "--id-prefix", "twice-url-", ...app.flags], env, "https://samples.example/a.jpg\nhttps://samples.example/a.jpg\n");
    expect(summaryOf(urls.stdout)).toMatchObject({ discovered: 1, uploaded: 1 });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("twice-"));
    expect(stored).toHaveLength(2);
    const show = jsonLines((await runCli(["log", "show", "twice", "--json"], env)).stdout)[0];
    expect(show).toMatchObject({ acknowledged: 1, batches: 1 });
  });

  it("another annotation file for the same images is another job, whose regions are posted", async () => {
    const images = join(FIXTURES, "labels", "images");
    const boxes = await runCli(["folder", images, "--annotations", join(FIXTURES, "labels", "coco", "annotations.json"), "--json", "--id-prefix", "regions-", ...app.flags], env);
    expect(summaryOf(boxes.stdout)).toMatchObject({ uploaded: 2, annotations: 4 });
    const masks = await runCli(["folder", images, "--annotations", join(FIXTURES, "labels", "coco-masks", "annotations.json"), "--json", "--id-prefix", "regions-", ...app.flags], env);
    const summary = summaryOf(masks.stdout);
    expect(summary.job).not.toBe(summaryOf(boxes.stdout).job);
    expect(summary).toMatchObject({ uploaded: 0, present: 2, annotations: 3 });
  });

  it("splits one folder over shards with no overlap and no gap", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-shard-"));
    for (let i = 0; i < 30; i++) {
      mkdirSync(join(dir, `s${i % 3}`), { recursive: true });
      copyFileSync(join(FIXTURES, "media", "image.gif"), join(dir, `s${i % 3}`, `g${i}.gif`));
    }
    const counts = [];
    for (let shard = 0; shard < 3; shard++) {
      const result = await runCli(["folder", dir, "--shard", `${shard}/3`, "--id-prefix", "shard-", "--json", ...app.flags], env);
      expect(result.code).toBe(0);
      counts.push(Number(summaryOf(result.stdout).uploaded));
      // The shard jobs of one folder are told apart by their shard.
      const show = await runCli(["log", "show", String(summaryOf(result.stdout).job)], env);
      expect(show.stdout).toMatch(new RegExp(`^command +folder .* --shard ${shard}/3$`, "m"));
    }
    const listed = jsonLines((await runCli(["log", "list", "--json"], env)).stdout).filter((line) => String(line.command) === "folder" && String((line.source as string[])[0]) === dir);
    expect(listed.map((line) => line.shard).sort()).toEqual(["0/3", "1/3", "2/3"]);
    expect(counts.reduce((a, b) => a + b)).toBe(30);
    expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("shard-"))).toHaveLength(30);
    // However the shard is spelled, it is the same job: nothing to send again.
    const respelled = await runCli(["folder", dir, "--shard", "00/03", "--id-prefix", "shard-", "--json", ...app.flags], env);
    expect(summaryOf(respelled.stdout)).toMatchObject({ uploaded: 0, present: counts[0], batches: 0 });
  });

  it("makes ids that collide within a run unique, and says so", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-collide-"));
    for (const sub of ["x", "y"]) {
      mkdirSync(join(dir, sub));
      copyFileSync(join(FIXTURES, "media", "image.png"), join(dir, sub, "same.png"));
    }
    const result = await runCli(["folder", dir, "--id-from", "name", "--id-prefix", "col-", "--json", ...app.flags], env);
    expect(result.code).toBe(0);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 2 });
    const warnings = jsonLines(result.stdout).filter((line) => line.event === "warning");
    expect(warnings.some((w) => String(w.message).includes("is taken by another input of this run"))).toBe(true);
    const ids = (await listAllInputs(app.client)).map((input) => input.id).filter((id) => id.startsWith("col-"));
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) expect(id.startsWith("col-same_png-")).toBe(true);
  });

  it("--id-from hash names each input after its content, large files included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-hash-"));
    const files = { "small.png": pngOfSize(2_000), "medium.png": pngOfSize(300_000), "large.png": pngOfSize(3 * 1024 * 1024 + 5) };
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
    const result = await runCli(["folder", dir, "--id-from", "hash", "--id-prefix", "h-", "--json", ...app.flags], env);
    expect(result.code).toBe(0);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 3 });
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("h-"));
    const expected = Object.values(files).map((bytes) => `h-${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}`);
    expect(stored.map((input) => input.id).sort()).toEqual(expected.sort());
  });

  it("runs the quick start against the embedded server with --local", async () => {
    const data = mkdtempSync(join(tmpdir(), "cu-local-"));
    const first = await runCli(["folder", join(FIXTURES, "tree"), "--dataset", "train", "--labels-from-folder", "--local", data, "--wait", "--json"], env);
    expect(first.code).toBe(0);
    expect(summaryOf(first.stdout)).toMatchObject({ uploaded: 5, failed: 0 });
    const again = await runCli(["folder", join(FIXTURES, "tree"), "--dataset", "train", "--labels-from-folder", "--local", data, "--json"], env);
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 0, present: 5, batches: 0 });
  });
  it("resume and status find the job's server as it was given: by the environment, or a relative --local folder", async () => {
    const own = isolatedEnv();
    const viaEnv = { ...own, CLARIFAI_API_BASE: String(app.flags[1]), CLARIFAI_PAT: "test-pat", CLARIFAI_USER_ID: app.user, CLARIFAI_APP_ID: app.app };
    expect(summaryOf((await runCli(["folder", join(FIXTURES, "tree"), "--job", "from-env", "--id-prefix", "env-", "--json"], viaEnv)).stdout)).toMatchObject({ uploaded: 5 });
    const resumed = await runCli(["resume", "from-env", "--json"], { ...own, CLARIFAI_PAT: "test-pat" });
    expect(resumed.code).toBe(0);
    expect(summaryOf(resumed.stdout)).toMatchObject({ present: 5, target: { api: String(app.flags[1]), user: app.user, app: app.app } });

    const here = mkdtempSync(join(tmpdir(), "cu-cwd-"));
    const elsewhere = mkdtempSync(join(tmpdir(), "cu-cwd-"));
    expect((await runCli(["folder", join(FIXTURES, "tree"), "--job", "relative-local", "--local", "./data"], own, undefined, here)).code).toBe(0);
    const status = await runCli(["status", "relative-local", "--json"], own, undefined, elsewhere);
    expect(status.code).toBe(0);
    expect(jsonLines(status.stdout)[0]).toMatchObject({ processed: 5, missing: 0 });
    expect(existsSync(join(elsewhere, "data"))).toBe(false);
    expect(summaryOf((await runCli(["resume", "relative-local", "--json"], own, undefined, elsewhere)).stdout)).toMatchObject({ present: 5 });
  });

  it("resume takes how this run sends (--max-retries, --rps, --concurrency) and --dry-run, and keeps what the job sends", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-pace-"));
    for (let i = 0; i < 12; i++) writeFileSync(join(dir, `p${i}.png`), pngOfSize(200 + i));
    // Half the inputs of each request fail transiently, the same ones for the same attempt.
    const flaky = await startTestApp({ faults: { inputFailure: 0.5, seed: 11 } });
    try {
      const own = isolatedEnv();
      const first = await runCli(["folder", dir, "--json", "--job", "paced", "--max-retries", "0", "--rps", "0", "--concurrency", "1", ...flaky.flags], own);
      const failed = Number(summaryOf(first.stdout).failed);
      expect(first.code).toBe(1);
      expect(failed).toBeGreaterThan(0);

      const bad = await runCli(["resume", "paced", "--concurrency", "0", "--pat", "test-pat"], own);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain("--concurrency");

      const preview = await runCli(["resume", "paced", "--dry-run", "--json", "--pat", "test-pat"], own);
      expect(preview.code).toBe(0);
      expect(jsonLines(preview.stdout).filter((line) => line.status === "would_upload")).toHaveLength(failed);
      expect(await listAllInputs(flaky.client)).toHaveLength(12 - failed);

      const resumed = await runCli(["resume", "paced", "--max-retries", "12", "--rps", "0", "--concurrency", "2", "--json", "--pat", "test-pat"], own);
      expect(resumed.code).toBe(0);
      // Retried as this run was told, where the job began with none.
      expect(jsonLines(resumed.stdout).some((line) => line.event === "retry")).toBe(true);
      expect(summaryOf(resumed.stdout)).toMatchObject({ uploaded: failed, present: 12 - failed, failed: 0 });
      expect(await listAllInputs(flaky.client)).toHaveLength(12);
      // The job log keeps the options the job began with.
      const header = JSON.parse(readFileSync(join(String(own.XDG_STATE_HOME), "clarifai-upload", "jobs", "paced.jsonl"), "utf8").split("\n")[0]!);
      expect(header.options).toMatchObject({ maxRetries: "0", concurrency: "1" });
    } finally {
      await flaky.close();
    }
  });

  it("refuses to run a job against another app or server than the one its log speaks for", async () => {
    const first = mkdtempSync(join(tmpdir(), "cu-local-"));
    const second = mkdtempSync(join(tmpdir(), "cu-local-"));
    const upload = await runCli(["folder", join(FIXTURES, "tree"), "--job", "one-place", "--local", first, "--json"], env);
    expect(summaryOf(upload.stdout)).toMatchObject({ uploaded: 5 });
    const never = join(second, "never-made");
    for (const elsewhere of [["--local", second], ["--local", never], ["--local", first, "--dataset", "other"], ["--local", first, "--app", "another"]]) {
      const moved = await runCli(["folder", join(FIXTURES, "tree"), "--job", "one-place", "--json", ...elsewhere], env);
      expect(moved.code).toBe(2);
      expect(moved.stdout).toBe("");
      expect(moved.stderr).toMatch(/^clarifai-upload: job one-place sent its inputs to app \S+ \(user \S+\) at local:.*; this run is for .* of which the job's log knows nothing/);
    }
    // Refused before anything was made: not even the other --local folder.
    expect(existsSync(never)).toBe(false);
    const again = await runCli(["folder", join(FIXTURES, "tree"), "--job", "one-place", "--local", first, "--json"], env);
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 0, present: 5 });

    // status of the job looks at its own app, whatever the environment names now, and refuses another.
    const elsewhere = await runCli(["status", "one-place", "--app", "another"], env);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(/^clarifai-upload: job one-place sent its inputs to app \S+ \(user \S+\); its log knows nothing of app another/);
    const own = await runCli(["status", "one-place", "--json"], { ...env, CLARIFAI_APP_ID: "another" });
    expect(own.code).toBe(0);
    expect(jsonLines(own.stdout)[0]).toMatchObject({ processed: 5, missing: 0 });
    expect(jsonLines((await runCli(["log", "show", "one-place", "--json"], env)).stdout)[0]).toMatchObject({ missing: 0 });
  });
});
