import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";
import { runOnPty } from "../helpers/pty.js";

const CTRL_C = "\u0003";

function pictures(): string {
  const dir = mkdtempSync(join(tmpdir(), "cu-words-"));
  copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, "a.jpg"));
  copyFileSync(join(FIXTURES, "media", "image.png"), join(dir, "b.png"));
  return dir;
}

describe("words where a person expects them", { timeout: 60_000 }, () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("mistakes in flags, paths and settings are named in one line, before anything is sent", async () => {
    const env = isolatedEnv();
    const cases: Array<[string[], string, NodeJS.ProcessEnv?]> = [
      [["folder", "/no/such/place", ...app.flags], "/no/such/place: no such folder"],
      [["folder", pictures(), "--id-prefix", "p".repeat(33), ...app.flags], `--id-prefix ${"p".repeat(33)}: at most 32 characters`],
      [["folder", pictures(), "--concepts", "cat:", ...app.flags], '--concepts: concept "cat:": after the ":" comes its value'],
      [["folder", pictures(), "--concepts", " , ", ...app.flags], "--concepts ' , ' names no concept (leave the option out for none)"],
      [["folder", pictures(), "--api", "https://127.0.0.1:9", "--pat", "0123456789abcdef", "--user", "u", "--app", "a"], "no PEM certificate in it", { CLARIFAI_ROOT_CERTIFICATES_PATH: join(FIXTURES, "manifests", "simple.csv") }],
    ];
    for (const [args, message, extra] of cases) {
      const result = await runCli(args, { ...env, ...extra });
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
    const files = await runCli(["files", "nowhere.jpg", "--json", ...app.flags], env);
    expect(jsonLines(files.stdout).find((line) => line.event === "input")?.message).toMatch(/^\/.*\/nowhere\.jpg: no such file$/);
  });

  it("an empty folder is a warning", async () => {
    const empty = mkdtempSync(join(tmpdir(), "cu-words-"));
    const result = await runCli(["folder", empty, "--dry-run"], isolatedEnv());
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`~ ${empty}: no files found (hidden files and folders are skipped without --hidden)`);
  });

  it("an --include that matches nothing names the pattern, and offers --ignore-case when that would match", async () => {
    const dir = pictures();
    const result = await runCli(["folder", dir, "--include", "*.JPG", "--dry-run"], isolatedEnv());
    expect(result.stderr).toContain(`~ ${dir}: no file matches --include '*.JPG'; matching regardless of case would find files: add --ignore-case`);
    const insensitive = await runCli(["folder", dir, "--include", "*.JPG", "--ignore-case", "--dry-run", "--json"], isolatedEnv());
    expect(jsonLines(insensitive.stdout).at(-1)).toMatchObject({ event: "summary", discovered: 1 });
    const nothing = await runCli(["folder", dir, "--include", "*.tiff", "--dry-run"], isolatedEnv());
    expect(nothing.stderr).toContain(`no file matches --include '*.tiff'`);
    expect(nothing.stderr).not.toContain("--ignore-case");
    // A pattern under a folder that does not exist matches nothing: a warning, not an unreadable folder.
    const noFolder = await runCli(["folder", dir, "--include", "nope/**", "--dry-run", "--json"], isolatedEnv());
    expect(jsonLines(noFolder.stdout).filter((line) => line.event === "input")).toEqual([]);
    expect(jsonLines(noFolder.stdout).at(-1)).toMatchObject({ event: "summary", rejected: 0 });
    expect(noFolder.code).toBe(0);
  });

  it("an --exclude that matches nothing is a warning; one that matches is not", async () => {
    const dir = pictures();
    const result = await runCli(["folder", dir, "--exclude", "thumbs/**", "--exclude", "*.png", "--dry-run", "--json"], isolatedEnv());
    const warnings = jsonLines(result.stdout).filter((line) => line.event === "warning").map((line) => line.message);
    expect(warnings).toEqual([`${dir}: --exclude 'thumbs/**' matched nothing`]);
  });

  it("hidden files and symlinks left out are counted", async () => {
    const dir = pictures();
    mkdirSync(join(dir, ".cache"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, ".cache", "c.jpg"));
    copyFileSync(join(FIXTURES, "media", "image.jpg"), join(dir, ".d.jpg"));
    symlinkSync(join(dir, "a.jpg"), join(dir, "link.jpg"));
    const result = await runCli(["folder", dir, "--dry-run"], isolatedEnv());
    expect(result.stderr).toContain(`~ ${dir}: left out 2 hidden files or folders (--hidden takes them), 1 symbolic link (--follow-symlinks follows them)`);
    const all = await runCli(["folder", dir, "--dry-run", "--hidden", "--follow-symlinks"], isolatedEnv());
    expect(all.stderr).not.toContain("left out");
    // The summary counts them too.
    const json = await runCli(["folder", dir, "--dry-run", "--json"], isolatedEnv());
    expect(summaryOf(json.stdout)).toMatchObject({ hidden_files: 2, symlinks_skipped: 1, special_files: 0 });
  });

  it("a special file is counted as left out; a followed link that leads nowhere is reported, not dropped", async () => {
    const dir = pictures();
    execFileSync("mkfifo", [join(dir, "pipe")]);
    symlinkSync(join(dir, "gone.jpg"), join(dir, "dangling.jpg"));
    const walked = await runCli(["folder", dir, "--dry-run", "--json"], isolatedEnv());
    expect(summaryOf(walked.stdout)).toMatchObject({ special_files: 1, symlinks_skipped: 1, rejected: 0 });
    const followed = await runCli(["folder", dir, "--dry-run", "--json", "--follow-symlinks"], isolatedEnv());
    const dangling = jsonLines(followed.stdout).find((line) => line.event === "input" && line.source === join(dir, "dangling.jpg"));
    expect(dangling).toMatchObject({ status: "rejected", reason: "unreadable", message: `${join(dir, "dangling.jpg")}: cannot read the file the link leads to (ENOENT)` });
    expect(summaryOf(followed.stdout)).toMatchObject({ rejected: 1 });
    expect(followed.code).toBe(1);
  });

  it("urls at a terminal with no input says what it waits for, and Ctrl-C stops it", async () => {
    const local = mkdtempSync(join(tmpdir(), "cu-words-"));
    const result = await runOnPty(["urls", "--local", local], isolatedEnv(), { steps: [{ waitFor: "reading URLs", send: CTRL_C, delay: 0.3 }] });
    expect(result.text).toContain("reading URLs from the terminal, one per line; end with Ctrl-D (Ctrl-C stops)");
    expect(result.code).toBe(130);
    // `resume` cannot read stdin again: the hint says what works.
    expect(result.text).toContain("resume with: the same command line again, with the same input (a list read from stdin cannot be resumed by name)");
  });

  it("manifest - and files with no argument at a terminal say what they wait for", async () => {
    const manifest = await runOnPty(["manifest", "-", "--dry-run"], isolatedEnv(), { steps: [{ waitFor: "reading", send: "\u0004", delay: 0.3 }] });
    expect(manifest.text).toContain("reading manifest lines (CSV or TSV, header first) from the terminal");
    const files = await runOnPty(["files", "--dry-run"], isolatedEnv(), { steps: [{ waitFor: "reading", send: "\u0004", delay: 0.3 }] });
    expect(files.text).toContain("reading file paths from the terminal");
    expect(files.code).toBe(0);
  });

  it("files and urls with nothing to read say so", async () => {
    const files = await runCli(["files", "--dry-run"], isolatedEnv(), "");
    expect(files.code).toBe(0);
    expect(files.stderr).toContain("~ no file paths given: name files as arguments, or pipe a list into `clarifai-upload files -`");
    const urls = await runCli(["urls", "--dry-run"], isolatedEnv(), "# only a comment\n");
    expect(urls.stderr).toContain("~ stdin: no URLs found");
  });

  it("-v prints each request as it is answered", async () => {
    const result = await runCli(["folder", pictures(), "-v", "--id-prefix", "verbose-", ...app.flags], isolatedEnv());
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^ {2}batch 1: 2 inputs, [\d.]+ KiB, answered at [\d.]+s$/m);
  });

  it("the summary, log list and log show name the target", async () => {
    const env = isolatedEnv();
    const dir = pictures();
    const run = await runCli(["folder", dir, "--dataset", "words", "--job", "targeted", ...app.flags], env);
    expect(run.code).toBe(0);
    const target = `${app.server.address.replace(/^/, "http://")}  user ${app.user}  app ${app.app}  dataset words`;
    expect(run.stderr).toMatch(new RegExp(`target\\s+${target.replace(/[.]/g, "\\.")}`));
    const json = await runCli(["folder", dir, "--dataset", "words", "--job", "targeted", "--json", ...app.flags], env);
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({ event: "summary", target: { api: `http://${app.server.address}`, user: app.user, app: app.app, dataset: "words" } });
    const list = await runCli(["log", "list"], env);
    expect(list.stdout).toContain(`-> ${target}`);
    const listed = await runCli(["log", "list", "--json"], env);
    expect(jsonLines(listed.stdout)[0]).toMatchObject({ job: "targeted", target: { user: app.user, app: app.app, dataset: "words" } });
    const show = await runCli(["log", "show", "targeted"], env);
    expect(show.stdout).toContain(`target     ${target}`);
  });

  it("printed hints work as printed: a job log given by path is named by its path", async () => {
    const env = isolatedEnv();
    const dir = pictures();
    const logs = mkdtempSync(join(tmpdir(), "cu-words-"));
    mkdirSync(join(logs, "my logs"));
    const log = join(logs, "my logs", "photos.log");
    const run = await runCli(["folder", dir, "--job-log", log, "--id-prefix", "hint-", ...app.flags], env);
    expect(run.code).toBe(0);
    const hint = /check with: (clarifai-upload status .*?)( --pat YOUR_PAT.*)?$/m.exec(run.stderr);
    expect(hint?.[1]).toBe(`clarifai-upload status '${log}'`);
    expect(hint?.[2]).toContain("--pat YOUR_PAT");
    const status = await runCli(["status", log, "--pat", "test-pat"], env);
    expect(status.stdout).toMatch(/\b2 processed\b/);
    expect(status.code).toBe(0);
  });
});
