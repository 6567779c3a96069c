import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isolatedEnv, runCli } from "../helpers/cli.js";

const env = isolatedEnv();

const COMMANDS = ["folder", "files", "urls", "zip", "manifest", "cloud", "extraction", "extraction list", "extraction get", "extraction cancel", "resume", "status", "log", "log list", "log show", "serve", "completion", "version"];
const WITH_EXIT_CODES = new Set(["folder", "files", "urls", "zip", "manifest", "cloud", "resume", "status"]);

async function help(command: string): Promise<string> {
  const result = await runCli([...command.split(" ").filter(Boolean), "--help"], env);
  expect(result.code, command).toBe(0);
  return result.stdout;
}

/** The example lines at the end of a --help. */
function examples(text: string): string[] {
  const section = text.split("\nExamples:\n")[1] ?? "";
  return section.split("\n\n")[0].split("\n").filter((line) => line.startsWith("  clarifai-upload") || line.includes("| clarifai-upload"));
}

describe("help that teaches", { timeout: 120_000 }, () => {
  it("every command's --help ends with two or three examples of itself, and the exit codes only where they apply", async () => {
    for (const command of COMMANDS) {
      const text = await help(command);
      const lines = examples(text);
      expect(lines.length, command).toBeGreaterThanOrEqual(command.includes(" ") || command === "version" || command === "extraction" || command === "log" ? 1 : 2);
      expect(lines.length, command).toBeLessThanOrEqual(3);
      expect(lines.some((line) => line.includes(`clarifai-upload ${command.split(" ")[0]}`)), command).toBe(true);
      expect(text.includes("Exit codes:"), command).toBe(WITH_EXIT_CODES.has(command));
    }
    // status reports what the server holds: its own table, where pending is not a failure.
    expect(await help("status")).toContain("every input processed, or still pending (pending is not a failure)");
    expect(await help("folder")).not.toContain("pending is not a failure");
    const top = (await help("")).replace(/\s+/g, " ");
    expect(top).toMatch(/ZIP archives and CSV\/TSV manifests/);
    expect(top).toContain("cloud buckets");
    expect(top).toContain("Exit codes:");
  });

  it("does not offer flags a command has no use for", async () => {
    for (const command of ["urls", "manifest"]) {
      const text = await help(command);
      expect(text).not.toContain("--labels-from-folder");
      expect(text).not.toContain("--sidecars");
      const used = await runCli([command, "-", "--labels-from-folder", "--dry-run"], env, "");
      expect(used.code).toBe(2);
      expect(used.stderr).toContain("unknown option '--labels-from-folder'");
    }
    expect(await help("folder")).toContain("--labels-from-folder");
    const log = await help("log list");
    expect(log).not.toMatch(/--api|--pat/);
  });

  it("--version, version and -v", async () => {
    for (const args of [["--version"], ["version"]]) {
      const result = await runCli(args, env);
      expect(result.code).toBe(0);
      expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
    expect(await help("folder")).toMatch(/-v, --verbose/);
  });

  it("the bash completion script is valid and completes commands, options and their values", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-completion-"));
    const script = join(dir, "clarifai-upload.bash");
    writeFileSync(script, execFileSync(process.execPath, [join(import.meta.dirname, "..", "..", "bin", "clarifai-upload"), "completion", "bash"], { env }));
    const complete = (...words: string[]): string[] => {
      const probe = `source ${script}; COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _clarifai_upload; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return spawnSync("bash", ["-c", probe], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    };
    expect(complete("clarifai-upload", "")).toEqual(expect.arrayContaining(["folder", "manifest", "completion", "--api"]));
    expect(complete("clarifai-upload", "fo")).toEqual(["folder"]);
    expect(complete("clarifai-upload", "folder", "--da")).toEqual(["--dataset", "--dry-run"].filter((word) => word.startsWith("--da")));
    expect(complete("clarifai-upload", "folder", "--id-from", "")).toEqual(["path", "name", "hash"]);
    expect(complete("clarifai-upload", "--api", "http://127.0.0.1:1", "folder", "--wa")).toEqual(["--wait"]);
    expect(complete("clarifai-upload", "log", "")).toEqual(["list", "show"]);
    expect(complete("clarifai-upload", "completion", "")).toEqual(["bash", "zsh", "fish"]);
    expect(complete("clarifai-upload", "urls", "--la")).toEqual([]);
  });

  it("zsh and fish scripts name every command and option; each shell present checks their syntax", async () => {
    for (const shell of ["zsh", "fish"]) {
      const result = await runCli(["completion", shell], env);
      expect(result.code).toBe(0);
      for (const word of ["folder", "manifest", "--ignore-case", "extraction", "cancel"]) expect(result.stdout, `${shell} ${word}`).toContain(word.replace(/^--/, shell === "fish" ? "-l " : "--"));
      const available = spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
      if (available) expect(spawnSync(shell, ["-n"], { input: result.stdout }).status, shell).toBe(0);
    }
    const wrong = await runCli(["completion", "tcsh"], env);
    expect(wrong.code).toBe(2);
  });
});
