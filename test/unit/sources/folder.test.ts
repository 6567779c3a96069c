import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
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

  it("sorts a large folder on disk, in runs, to the same order as a small one, and closes what it opened", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
    const names = [...Array.from({ length: 700 }, (_, n) => `f${n}.txt`), "m.txt", "Z.txt", "é.txt", "猫.png", "line\nbreak.txt", "m-.txt"];
    for (const name of names) writeFileSync(join(root, name), name);
    for (const path of ["m/inner.txt", "m/deeper/x.txt", "sub/b.txt", "sub/a.txt", ".hidden.txt"]) {
      mkdirSync(join(root, path, ".."), { recursive: true });
      writeFileSync(join(root, path), path);
    }
    const inMemory = (await collect(walkFolder(root))).flat().map((candidate) => candidate.relPath);
    // The root is large by its own size (its subfolders are not), sorted in runs of 64.
    const largeFolders = { minBytes: statSync(root).size, runEntries: 64 };
    expect(statSync(join(root, "sub")).size).toBeLessThan(largeFolders.minBytes);
    const skipped: string[] = [];
    const groups = await collect(walkFolder(root, { largeFolders, onSkip: (path, why) => skipped.push(`${path} ${why}`) }));
    const paths = groups.flat().map((candidate) => candidate.relPath);
    expect(paths).toEqual(inMemory);
    expect(paths.length).toBe(names.length + 4);
    expect(paths.slice(paths.indexOf("m-.txt"), paths.indexOf("m-.txt") + 4)).toEqual(["m-.txt", "m.txt", "m/deeper/x.txt", "m/inner.txt"]);
    expect(skipped).toEqual([`${join(root, ".hidden.txt")} hidden`]);
    expect(groups.every((group) => group.length <= 256)).toBe(true);

    // Given up halfway, the walk closes the sorted listing it was reading.
    const openFiles = (): number => readdirSync("/proc/self/fd").length;
    const before = openFiles();
    const walk = walkFolder(root, { largeFolders })[Symbol.asyncIterator]();
    expect((await walk.next()).value).toHaveLength(256);
    expect(openFiles()).toBe(before + 1);
    await walk.return?.(undefined);
    expect(openFiles()).toBe(before);
  });

  it("reads back sorted runs longer than one read, characters split between reads included", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
    // About 90 bytes of UTF-8 a name: runs of 700 are longer than the 64 KiB read at a time.
    const names = Array.from({ length: 2500 }, (_, n) => `${"é猫😀".repeat(9)}${"é".repeat(n % 3)}-${n}.png`);
    for (const name of names) writeFileSync(join(root, name), "");
    const paths = (await collect(walkFolder(root, { largeFolders: { minBytes: 0, runEntries: 700 } }))).flat().map((candidate) => candidate.relPath);
    expect(paths).toEqual([...names].sort());
  });

  it("sorts a large folder in memory when no temporary file can be made", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-walk-"));
    const names = Array.from({ length: 300 }, (_, n) => `f${n}.txt`);
    for (const name of names) writeFileSync(join(root, name), name);
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(root, "no-such-folder");
    try {
      const paths = (await collect(walkFolder(root, { largeFolders: { minBytes: 0, runEntries: 64 } }))).flat().map((candidate) => candidate.relPath);
      expect(paths).toEqual([...names].sort());
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
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
