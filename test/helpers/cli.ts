import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BIN = join(ROOT, "bin", "clarifai-upload");
export const FIXTURES = join(ROOT, "fixtures");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A private HOME and XDG folders, so job logs and configs never leak between tests. */
export function isolatedEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = mkdtempSync(join(tmpdir(), "cu-home-"));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    XDG_STATE_HOME: join(home, "state"),
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    NO_COLOR: "1",
    // The run's own temporary folder (see global-setup.ts), for what the CLI makes there too.
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    ...extra,
  };
  return env;
}

export function startCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string | Buffer, cwd: string = ROOT): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
  if (stdin !== undefined) child.stdin?.end(stdin);
  else child.stdin?.end();
  return child;
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolvePromise) => {
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string | Buffer, cwd?: string): Promise<CliResult> {
  return finished(startCli(args, env, stdin, cwd));
}

/** The JSON lines of a `--json` run. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function summaryOf(stdout: string): Record<string, number | string> {
  const lines = jsonLines(stdout);
  const last = lines[lines.length - 1];
  if (last?.event !== "summary") throw new Error(`last line is not a summary:\n${stdout}`);
  return last as Record<string, number | string>;
}
