import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { walkFolder, type FolderOptions } from "../../../src/sources/folder.js";

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
  for await (const candidate of walkFolder(root, options)) found.push(candidate.relPath);
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
    for await (const candidate of walkFolder(root)) {
      expect(candidate.fingerprint).toMatch(/^\d+:\d+$/);
      expect(candidate.content.kind).toBe("bytes");
    }
  });
});
