import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { loadCoco } from "../../../../src/sources/labels/coco.js";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
import { LABELS, problemOrigins, shapeOf } from "./helpers.js";

const FILE = `${LABELS}/coco/annotations.json`;

describe("COCO", () => {
  it("indexes each image's regions by its file_name, with the box and polygon in pixels", async () => {
    const index = await loadCoco(FILE);
    expect(index.size).toBe(2);
    expect([...index.paths()].sort()).toEqual(["cat.jpg", "dog.png"]);
    const cat = index.regionsFor("cat.jpg")!;
    expect(cat.map((region) => region.origin)).toEqual([1, 2, 10, 11].map((id) => `${FILE}: annotation ${id}`));
    expect(cat[0]).toEqual({
      concept: "cat",
      conceptId: "cat",
      box: { x: 8, y: 6, width: 16, height: 12 },
      polygon: [{ x: 8, y: 6 }, { x: 24, y: 6 }, { x: 24, y: 18 }, { x: 8, y: 18 }],
      imageSize: { width: 32, height: 24 },
      origin: `${FILE}: annotation 1`,
    });
    expect(cat[1]!.concept).toBe("traffic light");
  });

  it("splits a segmentation of several polygons: the box and first part, then one region per further part", async () => {
    const index = await loadCoco(FILE);
    const dog = index.regionsFor("dog.png")!;
    expect(dog.map((region) => region.origin)).toEqual([
      `${FILE}: annotation 3`,
      `${FILE}: annotation 3, polygon 2`,
      `${FILE}: annotation 15`,
      `${FILE}: annotation 16`,
    ]);
    expect(dog[0]!.box).toEqual({ x: 0, y: 0, width: 32, height: 24 });
    expect(dog[0]!.polygon).toHaveLength(3);
    expect(dog[1]!.box).toBeUndefined();
    expect(dog[1]!.polygon).toEqual([{ x: 16, y: 12 }, { x: 32, y: 12 }, { x: 32, y: 24 }]);
  });

  it("normalizes against the real image size; bad shapes become problems naming the annotation", async () => {
    const index = await loadCoco(FILE);
    const cat = normalizeRegions(index.regionsFor("cat.jpg")!, 32, 24);
    expect(cat.regions.map(shapeOf)).toEqual([
      {
        box: [0.25, 0.25, 0.75, 0.75],
        points: [[0.25, 0.25], [0.25, 0.75], [0.75, 0.75], [0.75, 0.25]],
        concepts: ["cat/cat/1"],
      },
      // x -0.5 is past the left edge: clipped to it
      { box: [0, 0, 0.25, 0.109375], concepts: ["traffic-light/traffic light/1"] },
    ]);
    expect(cat.problems).toHaveLength(2);
    expect(cat.problems[0]).toMatch(new RegExp(`^${FILE}: annotation 10: box .* lies outside the 32 x 24 px image`));
    expect(cat.problems[1]).toMatch(new RegExp(`^${FILE}: annotation 11: degenerate box`));

    const dog = normalizeRegions(index.regionsFor("dog.png")!, 32, 24);
    expect(dog.regions.map(shapeOf)).toEqual([
      { box: [0, 0, 1, 1], points: [[0, 0], [0, 0.5], [0.5, 0.5]], concepts: ["dog/dog/1"] },
      { points: [[0.5, 0.5], [0.5, 1], [1, 1]], concepts: ["dog/dog/1"] },
    ]);
    expect(dog.problems).toEqual([
      `${FILE}: annotation 15: degenerate polygon: 2 points, at least 3 are needed`,
      `${FILE}: annotation 16: degenerate polygon: zero area (its 3 points lie on one line)`,
    ]);
  });

  it("reports unknown categories, unknown images and broken RLE masks as problems, naming the annotation", async () => {
    const index = await loadCoco(FILE);
    expect(index.problems).toEqual([
      { origin: `${FILE}: annotation 12`, message: "category_id 99 is not among the categories" },
      { origin: `${FILE}: annotation 13`, message: "RLE segmentation: its runs cover 764 pixels, but size 24 x 32 has 768" },
      { origin: `${FILE}: annotation 14`, message: "image_id 7 is not among the images" },
    ]);
  });

  it("posts RLE crowd masks, compressed or not, as mask images of the image's size with the annotation's box", async () => {
    const file = `${LABELS}/coco-masks/annotations.json`;
    const index = await loadCoco(file);
    expect(index.problems).toEqual([{ origin: `${file}: annotation 4`, message: `RLE segmentation: compressed "counts" has the character " " at 1, outside the encoding` }]);
    const cat = normalizeRegions(index.regionsFor("cat.jpg")!, 32, 24);
    expect(cat.regions.map(shapeOf)).toEqual([{ box: [2 / 24, 3 / 32, 22 / 24, 30 / 32], mask: "32x24", concepts: ["person/person/1"] }]);
    expect(cat.problems).toEqual([`${file}: annotation 5: the mask is empty (no pixel of it is set)`]);
    const dog = normalizeRegions(index.regionsFor("dog.png")!, 32, 24);
    expect(dog.regions.map(shapeOf)).toEqual([
      { box: [3 / 24, 7 / 32, 22 / 24, 26 / 32], mask: "32x24", concepts: ["dog/dog/1"] },
      // the mask is refused; the box, being sound, is kept
      { box: [0, 0, 2 / 24, 2 / 32], concepts: ["dog/dog/1"] },
    ]);
    expect(dog.problems).toEqual([`${file}: annotation 3: the mask is 16 x 12 px but the image is 32 x 24 px`]);
  });

  it("finds an image by file name when its path differs but the name is unique", async () => {
    const index = await loadCoco(FILE);
    expect(index.regionsFor("elsewhere/cat.jpg")).toBe(index.regionsFor("cat.jpg"));
    expect(index.regionsFor("bird.jpg")).toBeUndefined();
  });

  it("takes the one .json file of a folder", async () => {
    const index = await loadCoco(`${LABELS}/coco`);
    expect(index.size).toBe(2);
    expect(problemOrigins(index)[0]).toBe(`${FILE}: annotation 12`);
  });

  it("reports malformed entries without giving up on the file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-"));
    const file = join(dir, "a.json");
    writeFileSync(
      file,
      JSON.stringify({
        images: [{ id: 1, file_name: "a/b.jpg" }, { id: 2 }, { id: 1, file_name: "c.jpg" }],
        categories: [{ id: 1, name: "x" }, { id: 2 }],
        annotations: [
          { id: "s1", image_id: 1, category_id: 1, bbox: [1, 2, 3] },
          { id: 5, image_id: 1, category_id: 1, bbox: [1, 2, 3, 4], segmentation: [[1, 2, 3]] },
          { image_id: 1, category_id: 1 },
          "junk",
        ],
      }),
    );
    const index = await loadCoco(file);
    expect(index.problems.map((problem) => `${problem.origin.slice(file.length + 2)} | ${problem.message}`)).toEqual([
      "image 2 | no file_name",
      "image 1 | a second image with id 1 (c.jpg); the first (a/b.jpg) is kept",
      "category 2 | a category without a name",
      "annotation s1 | bbox [1,2,3] is not [x, y, width, height]",
      "annotation 5 | segmentation has an odd count of numbers (3): not x, y pairs",
      "annotation at index 2 | neither a bbox nor a polygon segmentation",
      "annotation at index 3 | not a JSON object",
    ]);
    // The declared size is unknown: no size check
    expect(index.regionsFor("a/b.jpg")).toEqual([{ concept: "x", conceptId: "x", box: { x: 1, y: 2, width: 3, height: 4 }, origin: `${file}: annotation 5` }]);
  });

  it("a file that is not COCO at all is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-"));
    writeFileSync(join(dir, "bad.json"), "{ nope");
    writeFileSync(join(dir, "other.json"), JSON.stringify({ images: [] }));
    await expect(loadCoco(join(dir, "bad.json"))).rejects.toThrow(/bad\.json: not valid JSON/);
    await expect(loadCoco(join(dir, "other.json"))).rejects.toThrow(/other\.json: not a COCO annotation file \(no "categories" array\)/);
    await expect(loadCoco(dir)).rejects.toThrow(/2 \.json files \(bad\.json, other\.json\)/);
    await expect(loadCoco(join(dir, "missing.json"))).rejects.toBeInstanceOf(UsageError);
  });

  it("says a captions file is one, rather than that it lacks categories", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-"));
    const captions = join(dir, "captions_val2017.json");
    writeFileSync(captions, JSON.stringify({ images: [{ id: 1, file_name: "a.jpg", width: 4, height: 4 }], annotations: [{ id: 1, image_id: 1, caption: "A cat on a mat." }] }));
    await expect(loadCoco(captions)).rejects.toThrow(/captions_val2017\.json: a COCO captions file .*captions are not regions/);
  });

  it("makes concept ids as Clarifai's COCO loaders do: the category name lower-cased, the name kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-"));
    const file = join(dir, "instances.json");
    writeFileSync(
      file,
      JSON.stringify({
        images: [{ id: 1, file_name: "a.jpg", width: 10, height: 10 }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 5, 5] },
          { id: 2, image_id: 1, category_id: 2, bbox: [0, 0, 5, 5] },
        ],
        categories: [{ id: 1, name: "Person" }, { id: 2, name: "Traffic Light" }],
      }),
    );
    const regions = normalizeRegions((await loadCoco(file)).regionsFor("a.jpg")!, 10, 10).regions;
    expect(regions.map((region) => shapeOf(region).concepts)).toEqual([["person/Person/1"], ["traffic-light/Traffic Light/1"]]);
  });
});
