import { spawnSync } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { BIN, FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";

/** Every file under a folder, recursively. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("paths are checked before any work", { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  const media = join(FIXTURES, "media");

  async function expectRefused(args: string[], env: NodeJS.ProcessEnv, message: RegExp): Promise<void> {
    const result = await runCli(["folder", media, ...args, ...app.flags], env);
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await app.client.call("listInputs", { page: 1, perPage: 10, ids: [], status: undefined }).then((answer) => answer.inputs)).toHaveLength(0);
    expect(filesUnder(String(env.XDG_STATE_HOME))).toEqual([]);
  }

  it("--failed-out into a missing folder, or onto a folder", async () => {
    const env = isolatedEnv();
    await expectRefused(["--failed-out", "/no/such/folder/failed.csv"], env, /--failed-out \/no\/such\/folder\/failed\.csv: folder \/no\/such\/folder does not exist/);
    const folder = mkdtempSync(join(tmpdir(), "cu-paths-"));
    await expectRefused(["--failed-out", folder], env, /is a folder; name a file in it/);
    expect(readdirSync(folder)).toEqual([]);
  });

  it("a mistake in --api, --transform or --annotations is found before anything is written", async () => {
    const env = isolatedEnv();
    for (const [args, message] of [
      [["--api", "127.0.0.1:1"], /say which protocol/],
      [["--transform", "./no-such-transform.mjs"], /^clarifai-upload: --transform \.\/no-such-transform\.mjs: no such file$/],
      [["--annotations", "./no-such-labels.json"], /--annotations \.\/no-such-labels\.json: no such file or folder/],
    ] as Array<[string[], RegExp]>) {
      const result = await runCli(["folder", media, ...app.flags, ...args], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toMatch(message);
      expect(filesUnder(String(env.XDG_STATE_HOME))).toEqual([]);
    }
  });

  it("--job-log or --failed-out on a device: not a regular file, or nothing can be written", async () => {
    const env = isolatedEnv();
    await expectRefused(["--job-log", "/dev/full"], env, /^clarifai-upload: --job-log \/dev\/full: not a regular file$/);
    const failedOut = await runCli(["folder", media, "--failed-out", "/dev/full", ...app.flags], env);
    expect(failedOut.code).toBe(2);
    expect(failedOut.stderr).toBe("clarifai-upload: --failed-out /dev/full: cannot write it (ENOSPC)\n");
  });

  it("--failed-out onto a job log, this job's or another's, which is left as it was", async () => {
    const env = isolatedEnv();
    // Its own embedded server: the other tests here expect the shared app empty.
    const local = ["--local", mkdtempSync(join(tmpdir(), "cu-paths-local-"))];
    expect((await runCli(["folder", join(FIXTURES, "tree"), "--job", "kept-log", ...local], env)).code).toBe(0);
    const log = join(String(env.XDG_STATE_HOME), "clarifai-upload", "jobs", "kept-log.jsonl");
    const before = readFileSync(log, "utf8");
    for (const job of ["kept-log", "another-job"]) {
      const result = await runCli(["folder", join(FIXTURES, "tree"), "--job", job, "--failed-out", log, ...local], env);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`clarifai-upload: --failed-out ${log}: this is a job log; name another file (nothing was written to it)\n`);
    }
    expect(readFileSync(log, "utf8")).toBe(before);
    // Nor onto the manifest the command reads.
    const manifest = join(mkdtempSync(join(tmpdir(), "cu-paths-")), "rows.csv");
    writeFileSync(manifest, "id,text\nrow-1,hello\n");
    const itself = await runCli(["manifest", manifest, "--dry-run", "--failed-out", manifest], env);
    expect(itself.code).toBe(2);
    expect(itself.stderr).toBe(`clarifai-upload: --failed-out ${manifest}: this is what the command reads its inputs from; name another file (nothing was written to it)\n`);
    expect(readFileSync(manifest, "utf8")).toBe("id,text\nrow-1,hello\n");
  });

  it("the list, manifest or archive a command reads: missing, a folder, unreadable", async () => {
    const env = isolatedEnv();
    const folder = mkdtempSync(join(tmpdir(), "cu-paths-"));
    const unreadable = join(folder, "locked.txt");
    writeFileSync(unreadable, "https://samples.example/a.jpg\n", { mode: 0o000 });
    const cases: Array<[string[], RegExp]> = [
      [["urls", "/no/such/urls.txt"], /^clarifai-upload: \/no\/such\/urls\.txt: no such file$/],
      [["urls", folder], /: not a file$/],
      [["manifest", folder], /: not a file$/],
      [["zip", folder], /: not a file$/],
    ];
    // Root reads any file whatever its mode.
    if (process.getuid?.() !== 0) cases.push([["urls", unreadable], /locked\.txt: cannot read it \(EACCES\)$/]);
    for (const [args, message] of cases) {
      const result = await runCli([...args, ...app.flags], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr.trim()).toMatch(message);
    }
    expect(filesUnder(String(env.XDG_STATE_HOME))).toEqual([]);
  });

  it("--job-log onto a file that is not a job log, which is left as it was", async () => {
    const env = isolatedEnv();
    const dir = mkdtempSync(join(tmpdir(), "cu-paths-"));
    const photo = join(dir, "photo.jpg");
    copyFileSync(join(media, "image.jpg"), photo);
    const before = readFileSync(photo);
    await expectRefused(["--job-log", photo], env, /--job-log .*photo\.jpg: this file exists and is not a job log/);
    expect(readFileSync(photo).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(["photo.jpg"]);
    await expectRefused(["--job-log", join(dir, "missing", "job.jsonl")], env, /folder .*missing does not exist/);
  });

  it("a state folder that cannot be made (XDG_STATE_HOME is a file, or under /proc)", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "cu-paths-")), "state");
    writeFileSync(file, "not a folder");
    const started = Date.now();
    await expectRefused([], isolatedEnv({ XDG_STATE_HOME: file }), /state folder .*: .*state is not a folder \(set XDG_STATE_HOME/);
    await expectRefused([], isolatedEnv({ XDG_STATE_HOME: "/proc/no-such-state" }), /state folder .*: cannot create folder \/proc\/no-such-state/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it("--local and serve --data in a folder that cannot be made end at once", async () => {
    const env = isolatedEnv();
    const local = await runCli(["folder", media, "--local", "/proc/no-such-dir"], env);
    expect(local.code).toBe(2);
    expect(local.stderr.trim()).toBe("clarifai-upload: --local /proc/no-such-dir: cannot create folder /proc/no-such-dir (ENOENT)");
    const serve = await runCli(["serve", "--port", "0", "--data", "/proc/no-such-dir/data"], env);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain("--data /proc/no-such-dir/data: cannot create folder /proc/no-such-dir");
  });

  it("--local and serve --data on a database that is not one, and log commands on what is no job log: one line, never a stack trace", async () => {
    const env = isolatedEnv();
    const data = mkdtempSync(join(tmpdir(), "cu-paths-"));
    writeFileSync(join(data, "clarifai.sqlite"), "garbage");
    for (const args of [["folder", media, "--local", data], ["serve", "--port", "0", "--data", data]]) {
      const result = await runCli(args, env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
      expect(result.stderr).toContain(`${join(data, "clarifai.sqlite")}: cannot use it as the server's database (file is not a database, SQLITE_NOTADB)`);
    }
    // An empty file, and one of another tool: refused, and no index is written beside them.
    const dir = mkdtempSync(join(tmpdir(), "cu-paths-"));
    writeFileSync(join(dir, "empty.jsonl"), "");
    writeFileSync(join(dir, "other.jsonl"), "hello\n");
    for (const name of ["empty.jsonl", "other.jsonl"]) {
      const shown = await runCli(["log", "show", join(dir, name)], env);
      expect(shown.code).toBe(2);
      expect(shown.stderr.trim()).toBe(`clarifai-upload: ${join(dir, name)}: not a job log of this tool`);
    }
    expect(readdirSync(dir).sort()).toEqual(["empty.jsonl", "other.jsonl"]);
    // The jobs folder is a file: log list says so in one line.
    const state = mkdtempSync(join(tmpdir(), "cu-paths-"));
    mkdirSync(join(state, "clarifai-upload"));
    writeFileSync(join(state, "clarifai-upload", "jobs"), "not a folder");
    const listed = await runCli(["log", "list"], isolatedEnv({ XDG_STATE_HOME: state }));
    expect(listed.code).toBe(2);
    expect(listed.stderr.trim()).toBe(`clarifai-upload: ${join(state, "clarifai-upload", "jobs")}: cannot open it (a part of the path is not a folder, ENOTDIR)`);
    // Standard input that is a folder reads as nothing: refused, before any job is opened.
    const folderFd = openSync(dir, "r");
    try {
      const fromFolder = spawnSync(process.execPath, [BIN, "files", "-", "--dry-run", ...app.flags], { env, stdio: [folderFd, "pipe", "pipe"], encoding: "utf8" });
      expect(fromFolder.status, fromFolder.stderr).toBe(2);
      expect(fromFolder.stderr.trim()).toBe("clarifai-upload: standard input is a folder: pipe or redirect a list into it, or name the folder with the folder command");
    } finally {
      closeSync(folderFd);
    }
    // An empty glob is a mistake, not a glob library's stack trace.
    for (const option of ["--include", "--exclude"]) {
      const glob = await runCli(["folder", media, option, "", "--dry-run", ...app.flags], env);
      expect(glob.code).toBe(2);
      expect(glob.stderr).toContain("an empty glob matches nothing");
    }
  });

  it("never takes the job log, its lock or --failed-out as inputs of the folder they are in", async () => {
    const env = isolatedEnv();
    const dir = mkdtempSync(join(tmpdir(), "cu-paths-"));
    mkdirSync(join(dir, "imgs"));
    copyFileSync(join(media, "image.jpg"), join(dir, "imgs", "a.jpg"));
    copyFileSync(join(FIXTURES, "broken", "empty.jpg"), join(dir, "imgs", "empty.jpg"));
    const args = ["folder", join(dir, "imgs"), "--json", "--job-log", join(dir, "imgs", "job.jsonl"), "--failed-out", join(dir, "imgs", "failed.csv"), "--id-prefix", "own-", ...app.flags];
    for (let run = 0; run < 2; run++) {
      const result = await runCli(args, env);
      expect(summaryOf(result.stdout)).toMatchObject({ discovered: 2, rejected: 1 });
      const sources = jsonLines(result.stdout).filter((line) => line.event === "input").map((line) => String(line.source));
      expect(sources.some((source) => /job\.jsonl|\.lock|failed\.csv/.test(source))).toBe(false);
    }
    // Nor the embedded server's data, with --local inside the folder.
    const other = mkdtempSync(join(tmpdir(), "cu-paths-"));
    copyFileSync(join(media, "image.jpg"), join(other, "a.jpg"));
    const local = ["folder", other, "--json", "--local", join(other, "data")];
    for (let run = 0; run < 2; run++) {
      const result = await runCli(local, env);
      expect(summaryOf(result.stdout)).toMatchObject({ discovered: 1, rejected: 0, ...(run === 0 ? { uploaded: 1 } : { present: 1 }) });
    }
  });
});
