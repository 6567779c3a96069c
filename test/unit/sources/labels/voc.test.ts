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
  it("reads the Annotations/ folder of a VOC root: one image per XML, boxes in pixels", async () => {
    const index = await loadVoc(VOC);
    expect([...index.paths()].sort()).toEqual(["cat.jpg", "dog.png"]);
    const cat = index.regionsFor("cat.jpg")!;
    expect(cat.map((region) => region.origin)).toEqual([1, 2, 3].map((n) => `${XML}/cat.xml: object ${n} (cat)`));
    expect(cat[0]).toEqual({ concept: "cat", box: { x: 8, y: 6, width: 16, height: 12 }, imageSize: { width: 32, height: 24 }, origin: `${XML}/cat.xml: object 1 (cat)` });
  });

  it("normalizes; out-of-range and degenerate boxes become problems naming the file and object", async () => {
    const index = await loadVoc(VOC);
    const cat = normalizeRegions(index.regionsFor("cat.jpg")!, 32, 24);
    expect(cat.regions.map(shapeOf)).toEqual([{ box: [0.25, 0.25, 0.75, 0.75], concepts: ["cat/cat/1"] }]);
    expect(cat.problems).toEqual([
      `${XML}/cat.xml: object 2 (cat): box (x 20, y 2, width 20, height 8 px) lies beyond the right edge of the 32 x 24 px image by more than 1 px`,
      `${XML}/cat.xml: object 3 (cat): degenerate box (x 10, y 2, width -5, height 8 px): its width and height must be more than 0`,
    ]);
    expect(normalizeRegions(index.regionsFor("JPEGImages/dog.png")!, 32, 24).regions.map(shapeOf)).toEqual([{ box: [0, 0, 1, 1], concepts: ["dog/dog/1"] }]);
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
