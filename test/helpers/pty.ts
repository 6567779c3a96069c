import { spawn } from "node:child_process";
import { join } from "node:path";
import { BIN, ROOT } from "./cli.js";

export interface PtyStep {
  /** Text the screen must show before this step types. */
  waitFor: string;
  /** What to type: "\u0003" is Ctrl-C. */
  send: string;
  /** Seconds to wait after the text appeared. */
  delay?: number;
}

export interface PtyResult {
  code: number | null;
  /** Everything the CLI drew on the terminal, escape sequences included. */
  screen: string;
  /** The same, with escape sequences removed and carriage returns made line ends. */
  text: string;
  /** Milliseconds from start to exit. */
  ms: number;
}

/** Runs the CLI on a pseudo-terminal (python3's pty module), typing the given steps. */
export function runOnPty(args: string[], env: NodeJS.ProcessEnv, options: { cols?: number; rows?: number; steps?: PtyStep[]; cwd?: string; shell?: boolean } = {}): Promise<PtyResult> {
  const quoted = (arg: string): string => `'${arg.replace(/'/g, "'\\''")}'`;
  const config = {
    // With `shell`, args is one command line run by sh (for redirections), where
    // `clarifai-upload` is this CLI.
    argv: options.shell ? ["/bin/sh", "-c", args.join(" ").replace(/\bclarifai-upload\b/, `${quoted(process.execPath)} ${quoted(BIN)}`)] : [process.execPath, BIN, ...args],
    env: { ...env, TERM: "xterm-256color" },
    cwd: options.cwd ?? ROOT,
    cols: options.cols ?? 100,
    rows: options.rows ?? 30,
    steps: (options.steps ?? []).map((step) => ({ wait_for: step.waitFor, send: step.send, delay: step.delay ?? 0 })),
  };
  const started = Date.now();
  const child = spawn("python3", [join(ROOT, "test", "helpers", "run-on-pty.py"), JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
  let screen = "";
  child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
  return new Promise((resolve) => {
    child.on("close", (code) => resolve({ code, screen, text: plainText(screen), ms: Date.now() - started }));
  });
}

/** Terminal output as text: escape sequences removed, "\r\n" and lone "\r" made line ends. */
export function plainText(screen: string): string {
  // eslint-disable-next-line no-control-regex
  return screen.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r\n/g, "\n").replace(/\r/g, "\n");
}
