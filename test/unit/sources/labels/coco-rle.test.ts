import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeCompressedCounts, encodeCompressedCounts, readRle, rleBounds, rleToRows } from "../../../../src/sources/labels/coco-rle.js";
import { MASK_ON, maskPng } from "../../../../src/sources/labels/mask-png.js";
import { decodeGreyPng } from "../../../helpers/png.js";
import { LABELS } from "./helpers.js";

interface Fixture {
  annotations: Array<{ id: number; segmentation: Record<string, unknown> }>;
}
const masks = JSON.parse(readFileSync(`${LABELS}/coco-masks/annotations.json`, "utf8")) as Fixture;
const segmentation = (id: number): Record<string, unknown> => masks.annotations.find((a) => a.id === id)!.segmentation;

/** The shapes the fixture script drew, computed here without any RLE. */
function drawn(shape: (row: number, col: number) => boolean): Uint8Array {
  const pixels = new Uint8Array(24 * 32);
  for (let row = 0; row < 24; row++) for (let col = 0; col < 32; col++) pixels[row * 32 + col] = shape(row, col) ? 1 : 0;
  return pixels;
}
const inside = (value: number, from: number, to: number): boolean => value >= from && value < to;
const twoBlobs = drawn((r, c) => (inside(r, 2, 10) && inside(c, 3, 11)) || (inside(r, 12, 22) && inside(c, 14, 30) && !(inside(r, 15, 19) && inside(c, 18, 26))));
const ring = drawn((r, c) => {
  const d2 = (r - 12) ** 2 + (c - 16) ** 2;
  return d2 <= 81 && d2 > 9;
});

describe("COCO RLE masks", () => {
  it("decodes uncompressed counts column by column into the drawn mask", () => {
    const mask = readRle(segmentation(1));
    if (typeof mask === "string") throw new Error(mask);
    expect(rleToRows(mask)).toEqual(twoBlobs);
    expect(rleBounds(mask)).toEqual({ x: 3, y: 2, width: 27, height: 20 });
  });

  it("decodes pycocotools' compressed counts into the drawn mask, and encodes them back", () => {
    const mask = readRle(segmentation(2));
    if (typeof mask === "string") throw new Error(mask);
    expect(rleToRows(mask)).toEqual(ring);
    expect(encodeCompressedCounts(mask.counts)).toBe(segmentation(2).counts);
    expect(decodeCompressedCounts("525")).toEqual([5, 2, 5]);
  });

  it.each([
    [{ size: [24, 32], counts: "5 2" }, `RLE segmentation: compressed "counts" has the character " " at 1, outside the encoding`],
    [{ size: [24, 32], counts: [0, 64, 700] }, "RLE segmentation: its runs cover 764 pixels, but size 24 x 32 has 768"],
    [{ size: [24], counts: [768] }, `RLE segmentation: "size" must be [height, width], not [24]`],
    [{ size: [24, 32], counts: [1.5] }, `RLE segmentation: "counts" must be a list of run lengths or a compressed RLE string`],
    [{ size: [2, 2], counts: "1" }, "RLE segmentation: its runs cover 1 pixels, but size 2 x 2 has 4"],
    [{ size: [2, 2], counts: "h" }, `RLE segmentation: compressed "counts" ends in the middle of a run`],
  ])("refuses %j", (rle, message) => {
    expect(readRle(rle)).toBe(message);
  });

  it("makes a greyscale PNG of the image's size, 255 inside the mask, that reads back as the mask", () => {
    const mask = readRle(segmentation(2));
    if (typeof mask === "string") throw new Error(mask);
    const png = decodeGreyPng(maskPng(mask));
    expect([png.width, png.height]).toEqual([32, 24]);
    expect(png.pixels).toEqual(ring.map((on) => (on ? MASK_ON : 0)));
  });
});
