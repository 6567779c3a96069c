import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";

const MEDIA = join(FIXTURES, "media");
const BROKEN = join(FIXTURES, "broken");
const TREE = join(FIXTURES, "tree");

describe("folder upload against serve", { timeout: 60_000 }, () => {
  let app: TestApp;
  const env = isolatedEnv();

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("uploads every valid file once with type, dataset, concepts, metadata and geo", async () => {
    const result = await runCli(["folder", MEDIA, "--dataset", "train", "--concepts", "demo,fixture", "--metadata", '{"split":"train"}', "--geo", "-122.5,37.75", "--json", ...app.flags], env);
    expect(result.stderr).not.toMatch(/Error:/);
    const summary = summaryOf(result.stdout);
    const files = readdirSync(MEDIA).filter((name) => !name.startsWith("."));
    expect(summary).toMatchObject({ event: "summary", discovered: files.length, uploaded: files.length, rejected: 0, failed: 0 });
    expect(result.code).toBe(0);

    const stored = await listAllInputs(app.client);
    expect(stored).toHaveLength(files.length);
    const byName = new Map(stored.map((input) => [input.data?.metadata?.filename as string, input]));
    for (const name of files) {
      const input = byName.get(name);
      expect(input, name).toBeDefined();
      expect(input?.datasetIds).toEqual(["train"]);
      expect(input?.data?.concepts.map((c) => c.id).sort()).toEqual(["demo", "fixture"]);
      expect(input?.data?.metadata).toMatchObject({ filename: name, path: name, split: "train" });
      expect(input?.data?.geo?.geoPoint?.longitude).toBeCloseTo(-122.5, 3);
      expect(input?.data?.geo?.geoPoint?.latitude).toBeCloseTo(37.75, 3);
    }
    const kindOf = (name: string) => {
      const data = byName.get(name)?.data;
      return data?.image ? "image" : data?.video ? "video" : data?.audio ? "audio" : data?.text ? "text" : "none";
    };
    expect(kindOf("image.jpg")).toBe("image");
    expect(kindOf("image.webp")).toBe("image");
    expect(kindOf("video.mp4")).toBe("video");
    expect(kindOf("video.wmv")).toBe("video");
    expect(kindOf("audio.wav")).toBe("audio");
    expect(kindOf("table.csv")).toBe("text");
    const text = await app.client.call("getInput", { inputId: byName.get("text.txt")?.id ?? "" });
    expect(text.input?.data?.text?.raw).toBe(readFileSync(join(MEDIA, "text.txt"), "utf8"));
    const image = await app.client.call("getInput", { inputId: byName.get("image.png")?.id ?? "" });
    expect(Buffer.from(image.input?.data?.image?.base64 ?? []).equals(readFileSync(join(MEDIA, "image.png")))).toBe(true);

    const dataset = await app.client.call("getDataset", { datasetId: "train" });
    expect(dataset.dataset?.id).toBe("train");
  });

  it("sends nothing new on a re-run", async () => {
    const result = await runCli(["folder", MEDIA, "--dataset", "train", "--concepts", "demo,fixture", "--metadata", '{"split":"train"}', "--geo", "-122.5,37.75", "--json", ...app.flags], env);
    const summary = summaryOf(result.stdout);
    expect(summary).toMatchObject({ uploaded: 0, batches: 0, failed: 0 });
    expect(summary.present).toBe(summary.discovered);
    expect(result.code).toBe(0);
    expect(await listAllInputs(app.client)).toHaveLength(readdirSync(MEDIA).length);
  });

  it("rejects every broken file with its reason and still uploads the good ones", async () => {
    const failedOut = join(env.HOME as string, "failed.csv");
    const result = await runCli(["folder", BROKEN, "--json", "--id-prefix", "broken-", "--failed-out", failedOut, ...app.flags], env);
    expect(result.code).toBe(1);
    const events = jsonLines(result.stdout).filter((line) => line.event === "input");
    const bySource = new Map(events.map((event) => [String(event.source).split("/").pop(), event]));
    expect(bySource.get("empty.jpg")).toMatchObject({ status: "rejected", reason: "empty" });
    expect(bySource.get("song.mp3")).toMatchObject({ status: "rejected", reason: "unsupported_format" });
    expect(bySource.get("document.pdf")).toMatchObject({ status: "rejected", reason: "unsupported_format" });
    expect(bySource.get("latin1.txt")?.status).toBe("rejected");
    // A PNG named .jpg is sent as the PNG it is.
    expect(bySource.get("png-named.jpg")).toMatchObject({ status: "uploaded" });
    for (const event of events.filter((e) => e.status === "rejected")) {
      expect(String(event.message)).toContain(String(event.source).split("/").pop());
    }
    const warnings = jsonLines(result.stdout).filter((line) => line.event === "warning");
    expect(warnings.some((w) => String(w.source).endsWith("png-named.jpg"))).toBe(true);

    const stored = await listAllInputs(app.client);
    const storedNames = stored.filter((input) => input.id.startsWith("broken-")).map((input) => input.data?.metadata?.filename);
    expect(storedNames).toContain("png-named.jpg");
    expect(storedNames).not.toContain("song.mp3");
    expect(storedNames).not.toContain("empty.jpg");

    const csv = readFileSync(failedOut, "utf8").trim().split("\n");
    expect(csv[0]).toBe("id,type,file,url,text,concepts,metadata,lon,lat,dataset,reason,message");
    const rejected = events.filter((e) => e.status === "rejected" || e.status === "failed");
    expect(csv).toHaveLength(rejected.length + 1);
    expect(csv.some((row) => row.includes("song.mp3") && row.includes("unsupported_format"))).toBe(true);
  });

  it("walks subfolders, skips hidden ones and labels from folders, files at the top with the folder's own name", async () => {
    const result = await runCli(["folder", TREE, "--labels-from-folder", "--id-prefix", "tree-", "--json", ...app.flags], env);
    expect(result.code).toBe(0);
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("tree-"));
    const paths = stored.map((input) => String(input.data?.metadata?.path)).sort();
    expect(paths.some((path) => path.startsWith(".hidden"))).toBe(false);
    expect(paths.some((path) => path.startsWith("nested/"))).toBe(true);
    for (const input of stored) {
      const path = String(input.data?.metadata?.path);
      // notes.txt lies directly in tree/: it gets "tree", as the Python SDK's upload_from_folder(labels=True) gives it
      const folder = path.includes("/") ? path.split("/").slice(-2)[0] : "tree";
      expect(input.data?.concepts.map((c) => [c.id, c.value])).toEqual([[folder, 1]]);
    }
  });

  it("keeps the PAT out of stdout, stderr and the job log", async () => {
    const secret = "sekret-pat-value-123";
    const guarded = await startTestApp({ pats: [secret] });
    try {
      const result = await runCli(["folder", MEDIA, "--json", "--job", "secret-check", ...guarded.flags], env);
      expect(result.code).toBe(0);
      const log = readFileSync(join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs", "secret-check.jsonl"), "utf8");
      for (const text of [result.stdout, result.stderr, log]) expect(text).not.toContain(secret);
      const wrong = await runCli(["folder", MEDIA, "--json", ...guarded.flags.slice(0, 2), "--pat", "wrong-pat-456", "--user", "u", "--app", "a"], env);
      expect(wrong.code).toBe(3);
      expect(wrong.stdout + wrong.stderr).not.toContain("wrong-pat-456");
      // --quiet leaves out progress, never why the run stopped.
      const quiet = await runCli(["folder", MEDIA, "-q", ...guarded.flags.slice(0, 2), "--pat", "wrong-pat-456", "--user", "u", "--app", "a"], env);
      expect(quiet.code).toBe(3);
      expect(quiet.stderr).toMatch(/^stopped: .*CONN_KEY_INVALID/m);
      expect(quiet.stderr).not.toContain("wrong-pat-456");
    } finally {
      await guarded.close();
    }
  });

  it("plans without sending on --dry-run", async () => {
    const fresh = await startTestApp();
    try {
      const result = await runCli(["folder", MEDIA, "--dry-run", "--json", "--batch-size", "4", "--job", "dry-check", ...fresh.flags], env);
      expect(result.code).toBe(0);
      const summary = summaryOf(result.stdout);
      expect(summary).toMatchObject({ dry_run: true, uploaded: 0, would_upload: readdirSync(MEDIA).length });
      expect(summary.add_job).toBeUndefined();
      expect(summary.batches).toBeGreaterThanOrEqual(Math.ceil(readdirSync(MEDIA).length / 4));
      expect(await listAllInputs(fresh.client)).toHaveLength(0);
      expect(existsSync(join(env.XDG_STATE_HOME as string, "clarifai-upload", "jobs", "dry-check.jsonl"))).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it("keeps a file's name from clearing the screen or splitting its problem line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-names-"));
    writeFileSync(join(dir, "clear\x1b[2J\nme.txt"), "");
    const result = await runCli(["folder", dir, "--dry-run"], isolatedEnv());
    expect(result.code).toBe(1);
    const problem = result.stderr.split("\n").find((line) => line.startsWith("! rejected"));
    expect(problem).toBe(`! rejected [empty] ${dir}/clear\\x1b[2J\\x0ame.txt: the file is empty (0 bytes)`);
    expect(result.stderr).not.toContain("\x1b[2J");
  });
});
