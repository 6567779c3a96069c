import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, FIXTURES, isolatedEnv, ROOT } from "../helpers/cli.js";

/** The README's runnable examples: lines of its sh blocks that run this tool on the fixtures. */
function readmeExamples(): Array<{ line: string; expected: number }> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks
    .flatMap((block) => block.split("\n"))
    .filter((line) => line.startsWith("clarifai-upload ") && line.includes("fixtures/"))
    .map((line) => ({ line, expected: Number(/# exits (\d+)/.exec(line)?.[1] ?? 0) }));
}

describe("the README", { timeout: 300_000 }, () => {
  it("runs every example on the fixtures in order, from a fresh copy, with the exit code it states", () => {
    const examples = readmeExamples();
    expect(examples.length).toBeGreaterThanOrEqual(9);
    const dir = mkdtempSync(join(tmpdir(), "cu-readme-"));
    cpSync(FIXTURES, join(dir, "fixtures"), { recursive: true });
    // `clarifai-upload` on the PATH, as `npm install -g .` makes it.
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "clarifai-upload"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(dir, "bin", "clarifai-upload"), 0o755);
    const env = isolatedEnv({ PATH: `${join(dir, "bin")}:${process.env.PATH}` });
    for (const { line, expected } of examples) {
      const result = spawnSync("sh", ["-c", line], { cwd: dir, env, encoding: "utf8" });
      expect(result.status, `${line}\n${result.stdout}${result.stderr}`).toBe(expected);
      expect(result.stderr, line).not.toMatch(/\n\s+at |Warning/);
    }
  });
});
