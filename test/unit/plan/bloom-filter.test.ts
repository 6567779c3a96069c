import { describe, expect, it } from "vitest";
import { BloomFilter } from "../../../src/plan/bloom-filter.js";

describe("Bloom filter", () => {
  it("never forgets a string it was given", () => {
    const filter = new BloomFilter(12, 4);
    const added = Array.from({ length: 2000 }, (_, i) => `f${i % 7}/t${i}.png`);
    for (const text of added) filter.add(text);
    // 2,000 strings in 4,096 bits: nearly full, and still no false negative.
    for (const text of added) expect(filter.mightHave(text)).toBe(true);
  });

  it("says no to most strings it was not given, at about the rate its size promises", () => {
    const filter = new BloomFilter(16, 4);
    for (let i = 0; i < 5000; i++) filter.add(`id-${i}`);
    let yes = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightHave(`other-${i}`)) yes++;
    // (1 - e^(-4 * 5000 / 65536))^4 = 0.0043
    expect(yes / 100_000).toBeLessThan(0.01);
    expect(new BloomFilter(16, 4).mightHave("id-1")).toBe(false);
  });

  it("tells apart strings that differ in one character anywhere, and the empty string", () => {
    const filter = new BloomFilter(20, 4);
    filter.add("abcdefgh");
    for (const other of ["bbcdefgh", "abcdefgi", "abcdefg", "abcdefghh", "", "ABCDEFGH"]) expect(filter.mightHave(other)).toBe(false);
    filter.add("");
    expect(filter.mightHave("")).toBe(true);
  });

  it("refuses a size it cannot hold", () => {
    expect(() => new BloomFilter(8)).toThrow(RangeError);
    expect(() => new BloomFilter(32)).toThrow(RangeError);
    expect(() => new BloomFilter(20, 0)).toThrow(RangeError);
  });
});
