import { describe, expect, it } from "vitest";
import { normalizeRegions, TOLERANCE_PX } from "../../../../src/sources/labels/normalize.js";
import type { PixelRegion } from "../../../../src/sources/labels/types.js";
import { shapeOf } from "./helpers.js";

const W = 200;
const H = 100;

function one(region: Omit<PixelRegion, "origin" | "concept"> & { concept?: string }) {
  return normalizeRegions([{ concept: "cat", origin: "a.json: annotation 1", ...region }], W, H);
}

describe("normalizeRegions", () => {
  it("turns a pixel box into fractions: top y/h, left x/w, bottom (y+h)/h, right (x+w)/w", () => {
    const { regions, problems } = one({ box: { x: 50, y: 10, width: 100, height: 40 } });
    expect(problems).toEqual([]);
    expect(regions).toHaveLength(1);
    const box = regions[0]!.regionInfo!.boundingBox!;
    expect(box).toEqual({ topRow: 0.1, leftCol: 0.25, bottomRow: 0.5, rightCol: 0.75 });
    expect(regions[0]!.regionInfo!.polygon).toBeUndefined();
    expect(regions[0]!.data!.concepts).toEqual([expect.objectContaining({ id: "cat", name: "cat", value: 1 })]);
  });

  it("turns polygon points into {row: y/h, col: x/w}", () => {
    const { regions, problems } = one({ polygon: [{ x: 0, y: 0 }, { x: 200, y: 25 }, { x: 50, y: 100 }] });
    expect(problems).toEqual([]);
    expect(shapeOf(regions[0]!)).toEqual({ points: [[0, 0], [0.25, 1], [1, 0.25]], concepts: ["cat/cat/1"] });
  });

  it("keeps normalized (YOLO) coordinates as fractions", () => {
    const { regions } = one({ box: { x: 0.125, y: 0.25, width: 0.5, height: 0.5 }, polygon: [{ x: 0.5, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }], normalized: true });
    expect(shapeOf(regions[0]!)).toEqual({ box: [0.25, 0.125, 0.75, 0.625], points: [[0, 0.5], [1, 1], [1, 0]], concepts: ["cat/cat/1"] });
  });

  it("clamps a shape that overshoots by up to one pixel, in pixels or in fractions", () => {
    expect(TOLERANCE_PX).toBe(1);
    const boxes = one({ box: { x: -1, y: -0.5, width: W + 2, height: H + 1.5 } });
    expect(boxes.problems).toEqual([]);
    expect(shapeOf(boxes.regions[0]!).box).toEqual([0, 0, 1, 1]);
    // 1 px of 200 is 0.005; of 100, 0.01
    const fractions = one({ box: { x: -0.005, y: 0.5, width: 1.01, height: 0.51 }, normalized: true });
    expect(fractions.problems).toEqual([]);
    expect(shapeOf(fractions.regions[0]!).box).toEqual([0.5, 0, 1, 1]);
    const polygon = one({ polygon: [{ x: -1, y: -1 }, { x: 201, y: 0 }, { x: 100, y: 101 }] });
    expect(polygon.problems).toEqual([]);
    expect(shapeOf(polygon.regions[0]!).points).toEqual([[0, 0], [0, 1], [1, 0.5]]);
  });

  it("rejects a shape beyond the tolerance, naming the origin and the edge", () => {
    expect(one({ box: { x: -1.5, y: 0, width: 10, height: 10 } }).problems).toEqual([
      "a.json: annotation 1: box (x -1.5, y 0, width 10, height 10 px) lies beyond the left edge of the 200 x 100 px image by more than 1 px",
    ]);
    expect(one({ box: { x: 150, y: 95, width: 60, height: 10 } }).problems).toEqual([
      "a.json: annotation 1: box (x 150, y 95, width 60, height 10 px) lies beyond the right and bottom edge of the 200 x 100 px image by more than 1 px",
    ]);
    expect(one({ box: { x: 0.5, y: -0.02, width: 0.1, height: 0.1 }, normalized: true }).problems).toEqual([
      "a.json: annotation 1: box (x 0.5, y -0.02, width 0.1, height 0.1, as fractions of the image) lies beyond the top edge of the 200 x 100 px image by more than 1 px",
    ]);
    expect(one({ polygon: [{ x: 0, y: 0 }, { x: 10, y: 0 }, { x: 10, y: 102 }] }).problems).toEqual([
      "a.json: annotation 1: polygon: point 3 (x 10, y 102) lies beyond the 200 x 100 px image by more than 1 px",
    ]);
    expect(one({ box: { x: 200.5, y: 0, width: 0.4, height: 10 } }).problems).toEqual([
      "a.json: annotation 1: box (x 200.5, y 0, width 0.4, height 10 px) lies outside the 200 x 100 px image",
    ]);
  });

  it("rejects degenerate shapes", () => {
    const cases: Array<[Omit<PixelRegion, "origin" | "concept">, string]> = [
      [{ box: { x: 5, y: 5, width: 0, height: 5 } }, "degenerate box (x 5, y 5, width 0, height 5 px): its width and height must be more than 0"],
      [{ box: { x: 5, y: 5, width: 5, height: -1 } }, "degenerate box (x 5, y 5, width 5, height -1 px): its width and height must be more than 0"],
      [{ box: { x: Number.NaN, y: 5, width: 5, height: 1 } }, "box (x NaN, y 5, width 5, height 1 px): a coordinate is not a number"],
      [{ polygon: [] }, "degenerate polygon: 0 points, at least 3 are needed"],
      [{ polygon: [{ x: 1, y: 1 }, { x: 2, y: 2 }] }, "degenerate polygon: 2 points, at least 3 are needed"],
      [{ polygon: [{ x: 1, y: 1 }, { x: 2, y: 2 }, { x: 3, y: 3 }, { x: 2, y: 2 }] }, "degenerate polygon: zero area (its 4 points lie on one line)"],
      [{ polygon: [{ x: 0.1, y: 0.1 }, { x: 0.1, y: 0.1 }, { x: 0.1, y: 0.1 }], normalized: true }, "degenerate polygon (fractions of the image): zero area (its 3 points lie on one line)"],
      [{}, "no shape (neither a box, a polygon nor a mask)"],
    ];
    for (const [shape, reason] of cases) {
      const { regions, problems } = one(shape);
      expect(regions).toEqual([]);
      expect(problems).toEqual([`a.json: annotation 1: ${reason}`]);
    }
  });

  it("keeps the sound shape of a region that has a box and a polygon", () => {
    const { regions, problems } = one({ box: { x: 0, y: 0, width: 0, height: 10 }, polygon: [{ x: 0, y: 0 }, { x: 20, y: 0 }, { x: 0, y: 10 }] });
    expect(regions.map(shapeOf)).toEqual([{ points: [[0, 0], [0, 0.1], [0.1, 0]], concepts: ["cat/cat/1"] }]);
    expect(problems).toHaveLength(1);
  });

  it("rejects pixel regions whose file declares another image size, and notes a rotation", () => {
    const declared = one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: 100, height: 200 } });
    expect(declared.regions).toEqual([]);
    expect(declared.problems).toEqual([
      "a.json: annotation 1: the annotation file gives the image as 100 x 200 px but it is 200 x 100 px (rotated: an EXIF orientation?), so its pixel coordinates cannot be trusted",
    ]);
    expect(one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: W, height: H } }).regions).toHaveLength(1);
  });

  it("rejects a region without a label, and every region when the image size is unknown", () => {
    expect(one({ concept: "  ", box: { x: 0, y: 0, width: 1, height: 1 } }).problems).toEqual(["a.json: annotation 1: no label (an empty class or category name)"]);
    const unknown = normalizeRegions([{ concept: "cat", box: { x: 0, y: 0, width: 1, height: 1 }, origin: "x" }], 0, Number.NaN);
    expect(unknown).toEqual({ regions: [], problems: ["x: the image's size is unknown (0 x NaN), so its regions cannot be placed"] });
  });

  it("gives concepts a sanitized id and keeps the label as the name", () => {
    const { regions } = one({ concept: " traffic light ", box: { x: 0, y: 0, width: 1, height: 1 } });
    expect(regions[0]!.data!.concepts).toEqual([expect.objectContaining({ id: "traffic-light", name: "traffic light", value: 1 })]);
  });
});
