import { describe, expect, it } from "vitest";
import { ClaimedIds } from "../../../src/plan/claimed-ids.js";

describe("claimed ids", () => {
  it("holds every id added: in memory, staged in its store, and merged", () => {
    const ids = new ClaimedIds({ flushEvery: 16, mergeEvery: 100 });
    const added = Array.from({ length: 1000 }, (_, i) => `f${i % 10}_t${i}_png`);
    for (const id of added) {
      expect(ids.has(id)).toBe(false);
      ids.add(id);
      expect(ids.has(id)).toBe(true);
    }
    for (const id of added) expect(ids.has(id)).toBe(true);
    for (let i = 1000; i < 2000; i++) expect(ids.has(`f${i % 10}_t${i}_png`)).toBe(false);
    ids.close();
  });

  it("stays exact when its filter says yes to nearly everything", () => {
    // 512 bits of filter: full after a few hundred ids, so most answers come from the store or the recent ids.
    const ids = new ClaimedIds({ log2FilterBits: 9, flushEvery: 7, mergeEvery: 30 });
    for (let i = 0; i < 500; i += 2) ids.add(`id-${i}`);
    for (let i = 0; i < 500; i++) expect(ids.has(`id-${i}`)).toBe(i % 2 === 0);
    ids.close();
  });

  it("is empty after close, and usable again", () => {
    const ids = new ClaimedIds({ log2FilterBits: 9, flushEvery: 2 });
    for (const id of ["a", "b", "c"]) ids.add(id);
    ids.close();
    expect(ids.has("d")).toBe(false);
    ids.add("d");
    expect(ids.has("d")).toBe(true);
    ids.close();
  });
});
