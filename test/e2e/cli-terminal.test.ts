import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines } from "../helpers/cli.js";
import { runOnPty } from "../helpers/pty.js";

const CTRL_C = "\u0003";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

function corpus(count: number, extra: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), "cu-term-"));
  for (let i = 0; i < count; i++) copyFileSync(join(FIXTURES, "media", "image.png"), join(root, `img${i}.png`));
  for (const [name, from] of Object.entries(extra)) copyFileSync(from, join(root, name));
  return root;
}

/** The terminal is given back: the cursor is shown after it was last hidden, and line wrapping was never turned off. */
function expectTerminalRestored(screen: string): void {
  expect(screen.lastIndexOf(SHOW_CURSOR)).toBeGreaterThan(screen.lastIndexOf(HIDE_CURSOR));
  expect(screen).not.toContain("\x1b[?7l");
}

describe("on a terminal", { timeout: 60_000 }, () => {
  let slow: TestApp;
  let fast: TestApp;

  beforeAll(async () => {
    slow = await startTestApp({ faults: { latencyMs: 400 } });
    fast = await startTestApp();
  });
  afterAll(async () => {
    await slow.close();
    await fast.close();
  });

  it("shows the resume hint after Ctrl-C, and gives the terminal back", async () => {
    const dir = corpus(60);
    const result = await runOnPty(["folder", dir, "--job", "tty-stop", "--batch-size", "2", "--concurrency", "1", ...slow.flags], isolatedEnv(), {
      steps: [{ waitFor: "sent", send: CTRL_C, delay: 0.5 }],
    });
    expect(result.code).toBe(130);
    expect(result.text).toContain("stopping: finishing the batches in flight");
    expect(result.text).toContain("resume with: clarifai-upload resume tty-stop");
    expect(result.text).toMatch(/found\s+\d+ files \(stopped looking\)/);
    expectTerminalRestored(result.screen);
  });

  it("gives the terminal back on a second Ctrl-C, which quits at once", async () => {
    const dir = corpus(60);
    const result = await runOnPty(["folder", dir, "--job", "tty-quit", "--batch-size", "2", "--concurrency", "1", ...slow.flags], isolatedEnv(), {
      steps: [
        { waitFor: "sent", send: CTRL_C, delay: 0.3 },
        { waitFor: "stopping", send: CTRL_C },
      ],
    });
    expect(result.code).toBe(130);
    expect(result.screen).toContain(HIDE_CURSOR);
    expectTerminalRestored(result.screen);
  });

  it("gives the terminal back when the process dies of an uncaught exception", async () => {
    const dir = corpus(20);
    const module = join(mkdtempSync(join(tmpdir(), "cu-term-")), "explode.mjs");
    writeFileSync(module, `export default (input) => { setTimeout(() => { throw new Error("boom from a transform"); }, 50); return input; };\n`);
    const result = await runOnPty(["folder", dir, "--transform", module, "--job", "tty-crash", "--batch-size", "2", "--concurrency", "1", ...slow.flags], isolatedEnv());
    expect(result.code).toBe(1);
    expect(result.text).toContain("boom from a transform");
    expectTerminalRestored(result.screen);
    // The cursor comes back before the stack trace, which starts on its own line.
    expect(result.screen.indexOf(SHOW_CURSOR)).toBeLessThan(result.screen.indexOf("boom from a transform"));
  });

  it("lists every input that failed processing by file and reason after --wait, and counts each input once", async () => {
    const dir = corpus(5, { "broken.jpg": join(FIXTURES, "broken", "truncated.jpg") });
    const result = await runOnPty(["folder", dir, "--wait", "--job", "tty-wait", ...fast.flags], isolatedEnv());
    expect(result.code).toBe(1);
    expect(result.text).toContain("1 input failed processing:");
    expect(result.text).toMatch(/! \S*broken\.jpg: input \S+ failed processing: INPUT_FAILED/);
    expect(result.text).toMatch(/sent\s+\[#+\] 6\/6/);
    expect(result.text).not.toMatch(/7\/6|eta -/);
    expectTerminalRestored(result.screen);
  });

  it("prints a problem line whole on a narrow terminal", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-term-"));
    const name = `a-file-with-a-rather-long-name-that-does-not-fit-${"x".repeat(40)}.jpg`;
    copyFileSync(join(FIXTURES, "broken", "empty.jpg"), join(dir, name));
    const result = await runOnPty(["folder", dir, "--job", "tty-narrow", ...fast.flags], isolatedEnv(), { cols: 40 });
    expect(result.code).toBe(1);
    const line = result.text.split("\n").find((text) => text.includes("! rejected"));
    expect(line).toContain(`${name}`);
    expect(line).not.toContain("…");
  });

  it("keeps progress on the terminal when --json goes to a file", async () => {
    const dir = corpus(3);
    const out = join(mkdtempSync(join(tmpdir(), "cu-term-")), "run.jsonl");
    const result = await runOnPty([`clarifai-upload folder ${dir} --json --job tty-json --id-prefix json- ${slow.flags.join(" ")} > ${out}`], isolatedEnv(), { shell: true });
    expect(result.code).toBe(0);
    expect(result.text).toMatch(/sent\s+\[#+\] 3\/3/);
    expect(jsonLines(readFileSync(out, "utf8")).at(-1)).toMatchObject({ event: "summary", uploaded: 3 });
    expectTerminalRestored(result.screen);
  });

  it("draws no bars when --json goes to the same terminal: every line stays whole on the screen", async () => {
    const dir = corpus(12);
    const result = await runOnPty(["folder", dir, "--json", "--batch-size", "2", "--job", "tty-json-here", "--id-prefix", "here-", ...slow.flags], isolatedEnv());
    expect(result.code).toBe(0);
    const shown = result.text.split("\n").filter((line) => line.startsWith("{"));
    expect(shown.filter((line) => line.includes('"event":"input"'))).toHaveLength(12);
    expect(jsonLines(shown.join("\n")).at(-1)).toMatchObject({ event: "summary", uploaded: 12 });
    expect(result.text).not.toMatch(/sent\s+\[/);
  });
});
