import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isZip, zipEntries } from "../../../src/server/extraction/zip-reader.js";
import { compactList, coveredBytes, mergeRanges, missingRanges } from "../../../src/server/uploads/ranges.js";
import { makeZip, TINY_JPEG } from "../../helpers/server.js";

describe("upload byte ranges", () => {
  it("merges, finds gaps and counts covered bytes", () => {
    const ranges = [
      { start: 10, end: 20 },
      { start: 0, end: 5 },
      { start: 15, end: 30 },
      { start: 30, end: 35 },
    ];
    expect(mergeRanges(ranges)).toEqual([
      { start: 0, end: 5 },
      { start: 10, end: 35 },
    ]);
    expect(missingRanges(ranges, 40)).toEqual([
      { start: 5, end: 10 },
      { start: 35, end: 40 },
    ]);
    expect(missingRanges(ranges, 35)).toEqual([{ start: 5, end: 10 }]);
    expect(missingRanges([], 3)).toEqual([{ start: 0, end: 3 }]);
    expect(coveredBytes(ranges, 40)).toBe(30);
    expect(compactList([1, 2, 3, 5, 7, 8])).toBe("1-3,5,7-8");
  });
});

describe("zip reader", () => {
  it("lists entries in order with their bytes; tells archives by their magic", async () => {
    const dir = await mkdtemp(join(tmpdir(), "clarifai-zip-"));
    try {
      const inner = makeZip([{ name: "x.jpg", data: TINY_JPEG }]);
      const path = join(dir, "a.zip");
      await writeFile(
        path,
        makeZip([
          { name: "d/", data: Buffer.alloc(0) },
          { name: "d/one.txt", data: Buffer.from("one"), deflate: true },
          { name: "../escape.txt", data: Buffer.from("two") },
          { name: "inner.zip", data: inner },
        ]),
      );
      const seen: [number, string, boolean, string][] = [];
      for await (const entry of zipEntries(path)) {
        const bytes = entry.isDirectory ? Buffer.alloc(0) : await entry.read();
        seen.push([entry.index, entry.name, entry.isDirectory, isZip(bytes) ? "zip" : bytes.toString()]);
      }
      expect(seen).toEqual([
        [0, "d/", true, ""],
        [1, "d/one.txt", false, "one"],
        [2, "../escape.txt", false, "two"],
        [3, "inner.zip", false, "zip"],
      ]);
      expect(isZip(TINY_JPEG)).toBe(false);
      await writeFile(join(dir, "broken.zip"), Buffer.from("PK\x03\x04 not really"));
      await expect(async () => {
        for await (const _ of zipEntries(join(dir, "broken.zip"))) void _;
      }).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
