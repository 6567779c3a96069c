import { describe, expect, it } from "vitest";
import { RegionIndex, indexKey } from "../../../../src/sources/labels/region-index.js";
import type { PixelRegion } from "../../../../src/sources/labels/types.js";

const region = (origin: string): PixelRegion => ({ concept: "cat", box: { x: 0, y: 0, width: 1, height: 1 }, origin });

describe("RegionIndex", () => {
  it("finds regions by exact relative path, then by a file name that is unique in the index", () => {
    const index = new RegionIndex();
    index.add("train/a.jpg", region("1"));
    index.add("train/a.jpg", region("2"));
    index.add("train/b.jpg", region("3"));
    index.add("val/b.jpg", region("4"));
    expect(index.size).toBe(3);
    expect(index.regionsFor("train/a.jpg")!.map((r) => r.origin)).toEqual(["1", "2"]);
    expect(index.regionsFor("elsewhere/a.jpg")!.map((r) => r.origin)).toEqual(["1", "2"]);
    expect(index.regionsFor("a.jpg")).toHaveLength(2);
    // b.jpg is ambiguous: only exact paths
    expect(index.regionsFor("val/b.jpg")!.map((r) => r.origin)).toEqual(["4"]);
    expect(index.regionsFor("b.jpg")).toBeUndefined();
    expect(index.regionsFor("A.jpg")).toBeUndefined();
  });

  it("compares paths with / separators and without a leading ./", () => {
    expect(indexKey("./train\\a.jpg")).toBe("train/a.jpg");
    const index = new RegionIndex();
    index.add(".\\train\\a.jpg", region("1"));
    expect([...index.paths()]).toEqual(["train/a.jpg"]);
    expect(index.regionsFor("./train/a.jpg")).toHaveLength(1);
  });

  it("collects problems", () => {
    const index = new RegionIndex();
    index.problem("f.json: annotation 1", "bad");
    expect(index.problems).toEqual([{ origin: "f.json: annotation 1", message: "bad" }]);
    expect(index.size).toBe(0);
  });
});
