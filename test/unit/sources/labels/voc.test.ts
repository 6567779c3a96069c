import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
import { loadVoc } from "../../../../src/sources/labels/voc.js";
import { LABELS, shapeOf } from "./helpers.js";

const VOC = `${LABELS}/voc`;
const XML = `${VOC}/Annotations`;

function voc(filename: string, objects: string, size = "<size><width>32</width><height>24</height></size>"): string {
  return `<?xml version="1.0"?>\n<annotation><filename>${filename}</filename>${size}${objects}</annotation>\n`;
}

function box(name: string, xmin: number, ymin: number, xmax: number, ymax: number): string {
  return `<object><name>${name}</name><bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox></object>`;
}

describe("Pascal VOC", () => {
  it("reads the Annotations/ folder of a VOC root: one image per XML, boxes in pixels made 0-based", async () => {
    const index = await loadVoc(VOC);
    expect([...index.paths()].sort()).toEqual(["cat.jpg", "dog.png"]);
    const cat = index.regionsFor("cat.jpg")!;
    expect(cat.map((region) => region.origin)).toEqual([1, 2, 3].map((n) => `${XML}/cat.xml: object ${n} (cat)`));
    // <xmin>8</xmin><ymin>6</ymin><xmax>24</xmax><ymax>18</ymax>: VOC counts pixels from 1, as Clarifai's VOC loader takes them
    expect(cat[0]).toEqual({ concept: "cat", conceptId: "cat", box: { x: 7, y: 5, width: 16, height: 12 }, imageSize: { width: 32, height: 24 }, origin: `${XML}/cat.xml: object 1 (cat)` });
  });

  it("normalizes: a box past the edge is clipped to it; a degenerate box becomes a problem naming the file and object", async () => {
    const index = await loadVoc(VOC);
    const cat = normalizeRegions(index.regionsFor("cat.jpg")!, 32, 24);
    expect(cat.regions.map(shapeOf)).toEqual([
      { box: [5 / 24, 7 / 32, 17 / 24, 23 / 32], concepts: ["cat/cat/1"] },
      { box: [1 / 24, 19 / 32, 9 / 24, 1], concepts: ["cat/cat/1"] },
    ]);
    expect(cat.problems).toEqual([`${XML}/cat.xml: object 3 (cat): degenerate box (x 9, y 1, width -5, height 8 px): its width and height must be more than 0`]);
    expect(normalizeRegions(index.regionsFor("JPEGImages/dog.png")!, 32, 24).regions.map(shapeOf)).toEqual([{ box: [0, 0, 23 / 24, 31 / 32], concepts: ["dog/dog/1"] }]);
  });

  it("makes concept ids as Clarifai's VOC loader does, the name lower-cased, and finds an image its <filename> names without an extension", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-voc-"));
    writeFileSync(join(dir, "2007_000001.xml"), voc("2007_000001", box("Dog", 1, 1, 5, 5) + box("Traffic Light", 2, 2, 6, 6)));
    const index = await loadVoc(dir);
    const regions = normalizeRegions(index.regionsFor("JPEGImages/2007_000001.jpg")!, 32, 24).regions;
    expect(regions.map((region) => shapeOf(region).concepts)).toEqual([["dog/Dog/1"], ["traffic-light/Traffic Light/1"]]);
    // Only an image file: a text of that name is not what the XML annotates.
    expect(index.regionsFor("2007_000001.txt")).toBeUndefined();
    index.found("JPEGImages/2007_000001.jpg");
    expect([...index.notFound()]).toEqual([]);
  });

  it("reports malformed files and objects", async () => {
    const index = await loadVoc(XML);
    expect(index.problems).toEqual([
      {
        origin: `${XML}/broken.xml`,
        message: expect.stringMatching(/^not well-formed XML \(line 6: .*bndbox/),
      },
      { origin: `${XML}/dog.xml: object 2 (dog)`, message: "no <bndbox>" },
      { origin: `${XML}/dog.xml: object 3 (dog)`, message: '<bndbox> <xmin> "abc" is not a number' },
    ]);
  });

  it("reads one XML file, and keys images of subfolders under that subfolder", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-voc-"));
    mkdirSync(join(dir, "2012"));
    writeFileSync(join(dir, "a.xml"), voc("a.jpg", box("cat", 1, 1, 5, 5)));
    writeFileSync(join(dir, "2012", "a.xml"), voc("a.jpg", box("dog", 2, 2, 6, 6) + box("dog", 3, 3, 7, 7), ""));
    writeFileSync(join(dir, "none.xml"), "<annotation><object><name>x</name></object></annotation>");
    writeFileSync(join(dir, "other.xml"), "<root/>");
    const one = await loadVoc(join(dir, "a.xml"));
    expect([...one.paths()]).toEqual(["a.jpg"]);
    const all = await loadVoc(dir);
    expect([...all.paths()].sort()).toEqual(["2012/a.jpg", "a.jpg"]);
    // no <size>: no declared size to check
    expect(all.regionsFor("2012/a.jpg")!.map((region) => [region.concept, region.imageSize])).toEqual([["dog", undefined], ["dog", undefined]]);
    // "a.jpg" is in the index twice over: only exact paths find it
    expect(all.regionsFor("x/a.jpg")).toBeUndefined();
    expect(all.problems.map((problem) => `${problem.origin.slice(dir.length + 1)} | ${problem.message}`)).toEqual([
      "none.xml | no <filename>: the image it annotates is unknown",
      "other.xml | not a Pascal VOC annotation (no <annotation> element)",
    ]);
  });

  it("a folder without XML files is a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-voc-"));
    await expect(loadVoc(dir)).rejects.toThrow(/no \.xml files/);
    await expect(loadVoc(join(dir, "nope"))).rejects.toThrow(/cannot read the Pascal VOC annotations/);
  });
});
