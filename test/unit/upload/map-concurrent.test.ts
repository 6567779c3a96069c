import { describe, expect, it } from "vitest";
import { mapConcurrent, mapInOrder } from "../../../src/upload/map-concurrent.js";

describe("mapConcurrent", () => {
  it("maps everything, at most `limit` at once", async () => {
    let active = 0;
    let peak = 0;
    async function* numbers() {
      for (let i = 0; i < 100; i++) yield i;
    }
    const results: number[] = [];
    for await (const value of mapConcurrent(numbers(), 4, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((resolve) => setTimeout(resolve, n % 3));
      active--;
      return n * 2;
    })) results.push(value);
    expect(results.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i * 2));
    expect(peak).toBeLessThanOrEqual(4);
  });

  it("does not run ahead of its consumer when tasks finish at once", async () => {
    let pulled = 0;
    async function* numbers() {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield i;
      }
    }
    const iterator = mapConcurrent(numbers(), 8, async (n) => n)[Symbol.asyncIterator]();
    await iterator.next();
    expect(pulled).toBeLessThanOrEqual(16);
    await iterator.return?.(undefined);
  });

  it("passes a task's error to the consumer", async () => {
    async function* one() {
      yield 1;
    }
    await expect(async () => {
      for await (const _ of mapConcurrent(one(), 2, async () => Promise.reject(new Error("boom")))) void _;
    }).rejects.toThrow("boom");
  });
});

describe("mapInOrder", () => {
  it("keeps the items' order, whatever order they finish in, with at most `limit` at once", async () => {
    let running = 0;
    let most = 0;
    const results = await mapInOrder([30, 5, 20, 1, 10, 2], 3, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return ms * 2;
    });
    expect(results).toEqual([60, 10, 40, 2, 20, 4]);
    expect(most).toBe(3);
    expect(await mapInOrder([], 3, async (n: number) => n)).toEqual([]);
  });
});
