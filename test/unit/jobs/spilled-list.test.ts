import { describe, expect, it } from "vitest";
import { SpilledList } from "../../../src/jobs/spilled-list.js";

describe("SpilledList", () => {
  it("gives back what it held, in order", () => {
    const list = new SpilledList<number>(10);
    list.push([1, 2]);
    list.push([3]);
    expect([...list.values()]).toEqual([1, 2, 3]);
  });

  it("gives back every item in order once more were pushed than it holds, characters split across reads included", () => {
    const list = new SpilledList<{ n: number; text: string }>(3);
    // Lines of 1 MiB and more put multi-byte characters across the file's read chunks.
    const items = Array.from({ length: 7 }, (_, n) => ({ n, text: "é猫😀".repeat(70_000 + n) }));
    list.push(items.slice(0, 2));
    list.push(items.slice(2, 5));
    list.push(items.slice(5));
    expect([...list.values()]).toEqual(items);
  });
});
