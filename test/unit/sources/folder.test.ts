import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { walkFolder, type FolderOptions } from "../../../src/sources/folder.js";
import { collect } from "../../helpers/upload-stage.js";

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
  for (const path of ["a.jpg", "b.png", "sub/c.jpg", "sub/deep/d.gif", ".hidden/e.jpg", "sub/.f.jpg", "skip/g.jpg"]) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), path);
  }
  return root;
}

async function walk(root: string, options: FolderOptions = {}): Promise<string[]> {
  const found: string[] = [];
  for await (const group of walkFolder(root, options)) found.push(...group.map((candidate) => candidate.relPath));
  return found.sort();
}

describe("walkFolder", () => {
  it("walks recursively and skips hidden files and folders by default", async () => {
    expect(await walk(tree())).toEqual(["a.jpg", "b.png", "skip/g.jpg", "sub/c.jpg", "sub/deep/d.gif"]);
  });

  it("includes hidden entries with --hidden", async () => {
    expect(await walk(tree(), { hidden: true })).toContain(".hidden/e.jpg");
    expect(await walk(tree(), { hidden: true })).toContain("sub/.f.jpg");
  });

  it("applies include and exclude globs; a glob without / matches names anywhere", async () => {
    const root = tree();
    expect(await walk(root, { include: ["*.jpg"] })).toEqual(["a.jpg", "skip/g.jpg", "sub/c.jpg"]);
    expect(await walk(root, { include: ["*.jpg"], exclude: ["skip/**"] })).toEqual(["a.jpg", "sub/c.jpg"]);
  });

  it("does not follow symlinks unless asked, and never loops", async () => {
    const root = tree();
    symlinkSync(join(root, "sub"), join(root, "link-to-sub"));
    symlinkSync(root, join(root, "sub", "deep", "back-to-root"));
    symlinkSync(join(root, "a.jpg"), join(root, "link.jpg"));
    expect(await walk(root)).toEqual(["a.jpg", "b.png", "skip/g.jpg", "sub/c.jpg", "sub/deep/d.gif"]);

    const loops: string[] = [];
    const followed = await walk(root, { followSymlinks: true, onLoop: (path) => loops.push(path) });
    expect(followed).toContain("link.jpg");
    expect(followed.length).toBeLessThan(20);
    expect(loops.length).toBeGreaterThan(0);
  });

  it("fingerprints by size and mtime", async () => {
    const root = tree();
    for (const candidate of (await collect(walkFolder(root))).flat()) {
      expect(candidate.fingerprint).toMatch(/^\d+:\d+$/);
      expect(candidate.content.kind).toBe("bytes");
    }
  });

  it("without globs or followed links, hands on files in the order of their paths, in groups of at most 256", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
    const names = Array.from({ length: 300 }, (_, n) => `f${n}.txt`);
    mkdirSync(join(root, "m"));
    for (const name of [...names, "m/inner.txt", "m.txt", "Z.txt", "é.txt"]) writeFileSync(join(root, name), name);
    const groups = await collect(walkFolder(root));
    expect(groups.map((group) => group.length)).toEqual([256, 48]);
    const paths = groups.flat().map((candidate) => candidate.relPath);
    // UTF-16 order of names, each folder walked where its name falls: the order of the job's index.
    expect(paths).toEqual(["Z.txt", ...[...names].sort(), "m.txt", "m/inner.txt", "é.txt"]);
    expect(groups.flat()[0]?.source).toBe(join(root, "Z.txt"));
  });

  it("reports each special file it leaves out, and each folder it cannot list", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
    execFileSync("mkfifo", [join(root, "pipe")]);
    for (const path of ["a/one.txt", ...Array.from({ length: 260 }, (_, n) => `a/many${n}.txt`), "b/two.txt", "c/three.txt"]) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), path);
    }
    const skipped: string[] = [];
    const errors: string[] = [];
    const walk = walkFolder(root, { onSkip: (path, why) => skipped.push(`${path} ${why}`), onError: (path, code, what) => errors.push(`${path} ${code} ${what}`) })[Symbol.asyncIterator]();
    const first = await walk.next();
    expect(first.value).toHaveLength(256);
    // Gone between its parent's listing and its own.
    rmSync(join(root, "b"), { recursive: true });
    const rest: string[] = [];
    for (let step = await walk.next(); !step.done; step = await walk.next()) rest.push(...step.value.map((candidate) => candidate.relPath));
    expect(rest).toContain("c/three.txt");
    expect(rest).not.toContain("b/two.txt");
    expect(errors).toEqual([`${join(root, "b")} ENOENT folder`]);
    expect(skipped).toEqual([`${join(root, "pipe")} not_a_file`]);
    // The same through globs.
    const skippedByGlob: string[] = [];
    await collect(walkFolder(root, { include: ["*"], onSkip: (path, why) => skippedByGlob.push(`${path} ${why}`) }));
    expect(skippedByGlob).toEqual([`${join(root, "pipe")} not_a_file`]);
  });
});
