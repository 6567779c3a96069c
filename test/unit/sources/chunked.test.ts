import { describe, expect, it } from "vitest";
import { chunked } from "../../../src/sources/chunked.js";

async function collect<T>(source: AsyncIterable<T[]>): Promise<T[][]> {
  const groups: T[][] = [];
  for await (const group of source) groups.push(group);
  return groups;
}

describe("chunked", () => {
  it("groups a fast source into full groups and a last partial one", async () => {
    async function* numbers() {
      for (let n = 0; n < 7; n++) yield n;
    }
    expect(await collect(chunked(numbers(), 3, 1000))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it("hands on a partial group when the source is slow, without losing the item it waits for", async () => {
    async function* slow() {
      yield 1;
      yield 2;
      await new Promise((resolve) => setTimeout(resolve, 80));
      yield 3;
    }
    expect(await collect(chunked(slow(), 10, 10))).toEqual([[1, 2], [3]]);
  });

  it("ends the source when the consumer stops early", async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        closed = true;
      }
    }
    for await (const group of chunked(endless(), 2, 1000)) {
      expect(group).toEqual([0, 1]);
      break;
    }
    expect(closed).toBe(true);
  });

  it("does not wait for a slow source's next item when the consumer stops", async () => {
    async function* stalls() {
      yield 1;
      await new Promise(() => undefined);
    }
    for await (const group of chunked(stalls(), 10, 10)) {
      expect(group).toEqual([1]);
      break;
    }
  });
});
