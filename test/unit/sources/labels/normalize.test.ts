import { describe, expect, it } from "vitest";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
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

  it("clips a shape that runs past the image's edge to it, as Clarifai's loaders do, in pixels or in fractions", () => {
    const boxes = one({ box: { x: -1, y: -0.5, width: W + 2, height: H + 1.5 } });
    expect(boxes.problems).toEqual([]);
    expect(shapeOf(boxes.regions[0]!).box).toEqual([0, 0, 1, 1]);
    // Half of this box is left of the image: what is inside stays.
    const half = one({ box: { x: -50, y: 10, width: 100, height: 40 } });
    expect(half.problems).toEqual([]);
    expect(shapeOf(half.regions[0]!).box).toEqual([0.1, 0, 0.5, 0.25]);
    const fractions = one({ box: { x: 0.9, y: -0.2, width: 0.3, height: 0.5 }, normalized: true });
    expect(fractions.problems).toEqual([]);
    expect(shapeOf(fractions.regions[0]!).box).toEqual([0, 0.9, 0.3, 1]);
    const polygon = one({ polygon: [{ x: -10, y: -1 }, { x: 250, y: 0 }, { x: 100, y: 130 }] });
    expect(polygon.problems).toEqual([]);
    expect(shapeOf(polygon.regions[0]!).points).toEqual([[0, 0], [0, 1], [1, 0.5]]);
  });

  it("rejects a shape with nothing inside the image, naming the origin", () => {
    expect(one({ box: { x: 200.5, y: 0, width: 0.4, height: 10 } }).problems).toEqual([
      "a.json: annotation 1: box (x 200.5, y 0, width 0.4, height 10 px) lies outside the 200 x 100 px image",
    ]);
    expect(one({ box: { x: 10, y: -30, width: 10, height: 20 } }).problems).toEqual([
      "a.json: annotation 1: box (x 10, y -30, width 10, height 20 px) lies outside the 200 x 100 px image",
    ]);
    expect(one({ box: { x: 1.2, y: 0.5, width: 0.1, height: 0.1 }, normalized: true }).problems).toEqual([
      "a.json: annotation 1: box (x 1.2, y 0.5, width 0.1, height 0.1, as fractions of the image) lies outside the 200 x 100 px image",
    ]);
    expect(one({ polygon: [{ x: 210, y: 0 }, { x: 220, y: 0 }, { x: 215, y: 50 }] }).problems).toEqual(["a.json: annotation 1: polygon lies outside the 200 x 100 px image"]);
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

  it("places pixel regions by the image size the file declares when the image was scaled since", () => {
    // Annotated at 400 x 200, the image is 200 x 100 now: the same fractions.
    const scaled = one({ box: { x: 100, y: 20, width: 200, height: 80 }, polygon: [{ x: 0, y: 0 }, { x: 400, y: 50 }, { x: 100, y: 200 }], imageSize: { width: 400, height: 200 } });
    expect(scaled.problems).toEqual([]);
    expect(shapeOf(scaled.regions[0]!)).toEqual({ box: [0.1, 0.25, 0.5, 0.75], points: [[0, 0], [0.25, 1], [1, 0.25]], concepts: ["cat/cat/1"] });
    // Rounded to whole pixels when it was scaled: 401 x 201 to 200 x 100.
    expect(one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: 401, height: 201 } }).problems).toEqual([]);
  });

  it("rejects pixel regions whose file declares an image that is not this one scaled, and notes a rotation", () => {
    const rotated = one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: 100, height: 200 } });
    expect(rotated.regions).toEqual([]);
    expect(rotated.problems).toEqual([
      "a.json: annotation 1: the annotation file gives the image as 100 x 200 px but it is 200 x 100 px (rotated: an EXIF orientation?), so its pixel coordinates cannot be trusted",
    ]);
    expect(one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: 200, height: 150 } }).problems).toEqual([
      "a.json: annotation 1: the annotation file gives the image as 200 x 150 px but it is 200 x 100 px (not the same picture scaled), so its pixel coordinates cannot be trusted",
    ]);
    expect(one({ box: { x: 0, y: 0, width: 10, height: 10 }, imageSize: { width: W, height: H } }).regions).toHaveLength(1);
  });

  it("rejects a region without a label, and every region when the image size is unknown", () => {
    expect(one({ concept: "  ", box: { x: 0, y: 0, width: 1, height: 1 } }).problems).toEqual(["a.json: annotation 1: no label (an empty class or category name)"]);
    const unknown = normalizeRegions([{ concept: "cat", box: { x: 0, y: 0, width: 1, height: 1 }, origin: "x" }], 0, Number.NaN);
    expect(unknown).toEqual({ regions: [], problems: ["x: the image's size is unknown (0 x NaN), so its regions cannot be placed"] });
  });

  it("gives concepts a sanitized id and keeps the label as the name; a reader may give the id", () => {
    const { regions } = one({ concept: " traffic light ", box: { x: 0, y: 0, width: 1, height: 1 } });
    expect(regions[0]!.data!.concepts).toEqual([expect.objectContaining({ id: "traffic-light", name: "traffic light", value: 1 })]);
    const given = one({ concept: "Traffic Light", conceptId: "traffic-light", box: { x: 0, y: 0, width: 1, height: 1 } });
    expect(given.regions[0]!.data!.concepts).toEqual([expect.objectContaining({ id: "traffic-light", name: "Traffic Light", value: 1 })]);
  });
});
