import { describe, expect, it } from "vitest";
import { ResendSet, type ResendRecord } from "../../../src/jobs/resend-set.js";

const record = (n: number, id = `i${n}`): ResendRecord => ({ type: "ack", id, source: `/x/${String(n).padStart(3, "0")}.jpg`, fingerprint: "1:1", status: "uploaded", batch: 1, run: "r" });

describe("the inputs status --retry sends again", () => {
  for (const [where, maxHeld] of [
    ["in memory", 100],
    ["moved to disk past what it holds", 3],
  ] as const) {
    it(`gives each record once, by its source, and the rest afterwards (${where})`, () => {
      const set = new ResendSet(maxHeld);
      set.add([record(5), record(1), record(9)]);
      set.add([record(7), record(1, "again")]);
      expect(set.size).toBe(4);
      expect(set.has("/x/001.jpg")).toBe(true);
      expect(set.take("/x/001.jpg")).toMatchObject({ id: "again" });
      expect(set.take("/x/001.jpg")).toBeUndefined();
      expect(set.has("/x/001.jpg")).toBe(false);
      expect(set.take("/x/404.jpg")).toBeUndefined();
      expect(set.size).toBe(3);
      const left = [...set.remaining()].map((one) => one.id);
      expect(left.sort()).toEqual(["i5", "i7", "i9"]);
      set.close();
      expect(set.size).toBe(0);
    });
  }

  it("finds every record of a set far larger than it holds in memory", () => {
    const set = new ResendSet(1000);
    for (let start = 0; start < 30_000; start += 500) set.add(Array.from({ length: 500 }, (_, k) => record(start + k)));
    expect(set.size).toBe(30_000);
    expect(set.take(record(12_345).source)).toMatchObject({ id: "i12345" });
    let count = 0;
    for (const one of set.remaining()) {
      expect(one.id).not.toBe("i12345");
      count++;
    }
    expect(count).toBe(29_999);
    set.close();
  });
});
