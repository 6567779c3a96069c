import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { JobState } from "../../../src/upload/joblog.js";
import { UnmetProblems } from "../../../src/upload/unmet-problems.js";

function stateWith(sources: string[] | undefined): JobState {
  return { latest: { neverGotIn: () => sources } } as unknown as JobState;
}

describe("problem files a run did not meet", () => {
  it("are gone only when they are not on the disk: met, still there, or inside an archive still there, they stay", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-unmet-"));
    writeFileSync(join(dir, "kept.jpg"), "x");
    writeFileSync(join(dir, "a.zip"), "x");
    mkdirSync(join(dir, "sub"));
    const sources = ["met.jpg", "kept.jpg", "deleted.jpg", "a.zip:in/e.jpg", "b.zip:e.jpg", "sub/deleted.jpg", "gone-folder/e.jpg"].map((name) => join(dir, name));
    const unmet = new UnmetProblems(stateWith([...sources, "relative.csv:3"]));
    unmet.listener({ type: "discovered", source: join(dir, "met.jpg") });
    expect(unmet.gone().sort()).toEqual(["deleted.jpg", "b.zip:e.jpg", "sub/deleted.jpg", "gone-folder/e.jpg"].map((name) => join(dir, name)).sort());
  });

  it("follows none when the job has more of them than it follows, and drops none when the run met nothing at all", () => {
    expect(new UnmetProblems(stateWith(undefined)).gone()).toEqual([]);
    // A volume not mounted, an emptied folder: a whole tree that looks gone is not taken for deletions.
    const dir = mkdtempSync(join(tmpdir(), "cu-unmet-"));
    expect(new UnmetProblems(stateWith([join(dir, "deleted.jpg")])).gone()).toEqual([]);
  });
});
