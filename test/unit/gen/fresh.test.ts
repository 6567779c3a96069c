// The generated code committed under src/gen/ must be exactly what
// `npm run gen` (buf generate proto --template proto/buf.gen.yaml) produces
// from proto/ today: regenerate into a temporary folder and compare.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parse, stringify } from "yaml";

import { REPO_ROOT } from "./proto-roots.js";

const run = promisify(execFile);

const TEMPLATE = path.join(REPO_ROOT, "proto/buf.gen.yaml");
const BIN = path.join(REPO_ROOT, "node_modules/.bin");
const REGENERATE_HINT = "src/gen/ is stale: run `npm run gen` and commit the result";

interface Template {
  plugins: Array<{ out: string; [key: string]: unknown }>;
  [key: string]: unknown;
}

/** All files under `dir`, as sorted paths relative to it (none when dir is missing). */
async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  const files: string[] = [];
  for (const entry of entries) {
    if ((await stat(path.join(dir, entry))).isFile()) files.push(entry);
  }
  return files.sort();
}

function firstDifferentLine(a: string, b: string): number {
  const la = a.split("\n");
  const lb = b.split("\n");
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return i + 1;
  }
  return 0;
}

/**
 * Differences between a freshly generated folder and the committed one, one
 * line each, naming the committed file (relative to the repository).
 */
async function compareGenerated(fresh: string, committed: string): Promise<string[]> {
  const freshFiles = await listFiles(fresh);
  const committedFiles = await listFiles(committed);
  const committedSet = new Set(committedFiles);
  const freshSet = new Set(freshFiles);
  const shown = (file: string): string => path.relative(REPO_ROOT, path.join(committed, file));
  const diffs: string[] = [];
  for (const file of freshFiles) {
    if (!committedSet.has(file)) {
      diffs.push(`missing: ${shown(file)} is generated but not committed`);
      continue;
    }
    const [a, b] = await Promise.all([readFile(path.join(fresh, file), "utf8"), readFile(path.join(committed, file), "utf8")]);
    if (a !== b) diffs.push(`differs: ${shown(file)} (first difference at line ${firstDifferentLine(a, b)})`);
  }
  for (const file of committedFiles) {
    if (!freshSet.has(file)) diffs.push(`extra: ${shown(file)} is committed but no longer generated`);
  }
  return diffs;
}

describe("src/gen/ is fresh", () => {
  let tmp = "";
  const outputs: Array<{ fresh: string; committed: string }> = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "clarifai-upload-gen-"));
    // The project's own template, with every plugin's `out` moved into tmp.
    const template = parse(await readFile(TEMPLATE, "utf8")) as Template;
    for (const plugin of template.plugins) {
      const fresh = path.join(tmp, "out", plugin.out);
      outputs.push({ fresh, committed: path.join(REPO_ROOT, plugin.out) });
      plugin.out = fresh;
    }
    const tmpTemplate = path.join(tmp, "buf.gen.yaml");
    await writeFile(tmpTemplate, stringify(template));
    await mkdir(path.join(tmp, "out"), { recursive: true });
    await run(path.join(BIN, "buf"), ["generate", "proto", "--template", tmpTemplate], {
      cwd: REPO_ROOT,
      env: { ...process.env, PATH: `${BIN}${path.delimiter}${process.env["PATH"] ?? ""}` },
      timeout: 50_000,
    });
  }, 60_000);

  afterAll(async () => {
    if (tmp !== "") await rm(tmp, { recursive: true, force: true });
  });

  test("regenerating from proto/ gives exactly the committed files", async () => {
    expect(outputs.length).toBeGreaterThan(0);
    const diffs: string[] = [];
    for (const { fresh, committed } of outputs) {
      expect((await listFiles(fresh)).length, `buf generated nothing into ${fresh}`).toBeGreaterThan(0);
      diffs.push(...(await compareGenerated(fresh, committed)));
    }
    expect(diffs, `${REGENERATE_HINT}:\n  ${diffs.join("\n  ")}\n`).toEqual([]);
  });

  test("the comparison reports a changed, a missing and an extra file", async () => {
    const [first] = outputs;
    if (first === undefined) throw new Error("no plugin output");
    const copy = path.join(tmp, "altered");
    const files = await listFiles(first.fresh);
    for (const file of files) {
      await mkdir(path.dirname(path.join(copy, file)), { recursive: true });
      await writeFile(path.join(copy, file), await readFile(path.join(first.fresh, file)));
    }
    const [changed, removed] = files;
    if (changed === undefined || removed === undefined) throw new Error("expected at least two generated files");
    await writeFile(path.join(copy, changed), `${await readFile(path.join(copy, changed), "utf8")}// edited by hand\n`);
    await rm(path.join(copy, removed));
    await writeFile(path.join(copy, "stray.ts"), "export {};\n");

    const shown = (file: string): string => path.relative(REPO_ROOT, path.join(copy, file));
    expect(await compareGenerated(first.fresh, copy)).toEqual([
      expect.stringMatching(new RegExp(`^differs: ${escape(shown(changed))} \\(first difference at line \\d+\\)$`)),
      `missing: ${shown(removed)} is generated but not committed`,
      `extra: ${shown("stray.ts")} is committed but no longer generated`,
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
