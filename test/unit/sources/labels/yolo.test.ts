import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
import { loadYolo } from "../../../../src/sources/labels/yolo.js";
import { findClassNames } from "../../../../src/sources/labels/yolo-names.js";
import { LABELS, shapeOf } from "./helpers.js";

const ULTRA = `${LABELS}/yolo`;
const FLAT = `${LABELS}/yolo-flat`;
const CAT_TXT = `${ULTRA}/labels/train/cat.txt`;

describe("YOLO, Ultralytics layout (labels/ beside images/, names in data.yaml)", () => {
  it("maps labels/SUB/a.txt to images/SUB/a.<ext>, keyed relative to the source root", async () => {
    const index = await loadYolo(ULTRA, ULTRA);
    expect([...index.paths()].sort()).toEqual(["images/train/cat.jpg", "images/train/dog.png"]);
    expect(index.size).toBe(2);
    const cat = index.regionsFor("images/train/cat.jpg")!;
    expect(cat.map((region) => region.origin)).toEqual([
      `${CAT_TXT}: line 1 "0 0.5 0.5 0.5 0.5"`,
      `${CAT_TXT}: line 2 "1 0.25 0.25 0.75 0.25 0.5 0.75"`,
      `${CAT_TXT}: line 4 "0 1.5 0.5 0.5 0.5"`,
      `${CAT_TXT}: line 5 "0 0.5 0.5 0 0.5"`,
    ]);
    expect(cat[0]).toEqual({ concept: "cat", box: { x: 0.25, y: 0.25, width: 0.5, height: 0.5 }, normalized: true, origin: cat[0]!.origin });
    expect(cat[1]).toEqual({ concept: "dog", polygon: [{ x: 0.25, y: 0.25 }, { x: 0.75, y: 0.25 }, { x: 0.5, y: 0.75 }], normalized: true, origin: cat[1]!.origin });
  });

  it("normalizes boxes and polygons; bad lines become problems naming the file and line", async () => {
    const index = await loadYolo(ULTRA, ULTRA);
    const cat = normalizeRegions(index.regionsFor("images/train/cat.jpg")!, 32, 24);
    expect(cat.regions.map(shapeOf)).toEqual([
      { box: [0.25, 0.25, 0.75, 0.75], concepts: ["cat/cat/1"] },
      { points: [[0.25, 0.25], [0.25, 0.75], [0.75, 0.5]], concepts: ["dog/dog/1"] },
    ]);
    expect(cat.problems).toHaveLength(2);
    expect(cat.problems[0]).toMatch(/^fixtures\/labels\/yolo\/labels\/train\/cat\.txt: line 4 "0 1\.5 0\.5 0\.5 0\.5": box .* lies outside the 32 x 24 px image/);
    expect(cat.problems[1]).toMatch(/^fixtures\/labels\/yolo\/labels\/train\/cat\.txt: line 5 "0 0\.5 0\.5 0 0\.5": degenerate box/);
    expect(normalizeRegions(index.regionsFor("images/train/dog.png")!, 32, 24).regions.map(shapeOf)).toEqual([{ box: [0, 0, 1, 1], concepts: ["dog/dog/1"] }]);
    expect(index.problems).toEqual([
      { origin: `${CAT_TXT}: line 3 "5 0.5 0.5 0.125 0.125"`, message: `class 5 is not among the 2 class names in ${ULTRA}/data.yaml` },
      {
        origin: `${CAT_TXT}: line 6 "0 0.5 0.5 0.5"`,
        message: "expected 4 numbers (a box: cx cy w h) or an even count of at least 6 (a polygon: x1 y1 x2 y2 ...) after the class; found 3",
      },
      { origin: `${ULTRA}/labels/train/orphan.txt`, message: `no image called "orphan" (with any image extension) in ${ULTRA}/images/train` },
    ]);
  });

  it("takes the labels/ folder itself, or the data.yaml, as the annotation path", async () => {
    for (const path of [`${ULTRA}/labels`, `${ULTRA}/data.yaml`]) {
      const index = await loadYolo(path, ULTRA);
      expect([...index.paths()].sort()).toEqual(["images/train/cat.jpg", "images/train/dog.png"]);
      expect(index.regionsFor("images/train/cat.jpg")).toHaveLength(4);
    }
  });

  it("keys images outside the source root by their path under images/", async () => {
    const index = await loadYolo(ULTRA, `${LABELS}/images`);
    expect([...index.paths()].sort()).toEqual(["train/cat.jpg", "train/dog.png"]);
    // and a walk of another root still finds them by their unique file names
    expect(index.regionsFor("cat.jpg")).toHaveLength(4);
  });
});

describe("YOLO, flat layout (a.txt beside a.jpg, names in classes.txt)", () => {
  it("maps each label file to the image beside it", async () => {
    const index = await loadYolo(FLAT, FLAT);
    expect([...index.paths()].sort()).toEqual(["cat.jpg", "dog.png"]);
    expect(index.problems).toEqual([]);
    expect(normalizeRegions(index.regionsFor("cat.jpg")!, 32, 24).regions.map(shapeOf)).toEqual([{ box: [0.25, 0.25, 0.75, 0.75], concepts: ["cat/cat/1"] }]);
    const dog = normalizeRegions(index.regionsFor("dog.png")!, 32, 24);
    expect(dog.regions.map(shapeOf)).toEqual([{ box: [0, 0, 1, 1], concepts: ["dog/dog/1"] }]);
    expect(dog.problems).toEqual([
      `${FLAT}/dog.txt: line 2 "0 0.5 0.5 -0.5 0.5": degenerate box (x 0.75, y 0.25, width -0.5, height 0.5, as fractions of the image): its width and height must be more than 0`,
    ]);
  });

  it("gives every image of a stem the label file's regions, and reports bad tokens", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-yolo-"));
    writeFileSync(join(dir, "obj.names"), "person\r\ntraffic light\r\n\r\n");
    copyFileSync(`${FLAT}/cat.jpg`, join(dir, "a.jpg"));
    copyFileSync(`${FLAT}/dog.png`, join(dir, "a.png"));
    writeFileSync(join(dir, "a.txt"), "\n1 0.5 0.5 0.25 0.25\nx 0.5 0.5 0.1 0.1\n0 0.5 abc 0.1 0.1\n");
    writeFileSync(join(dir, "notes.txt"), "not a label");
    const index = await loadYolo(dir, dir);
    expect([...index.paths()].sort()).toEqual(["a.jpg", "a.png"]);
    expect(index.regionsFor("a.png")!.map((region) => region.concept)).toEqual(["traffic light"]);
    expect(index.problems.map((problem) => `${problem.origin.slice(dir.length + 1)} | ${problem.message}`)).toEqual([
      'a.txt: line 3 "x 0.5 0.5 0.1 0.1" | class "x" is not a class index (0, 1, 2, ...)',
      'a.txt: line 4 "0 0.5 abc 0.1 0.1" | "abc" is not a number',
    ]);
    // notes.txt has no image beside it: not a label file, so not an annotation file either
    expect([...index.files].map((file) => file.slice(dir.length + 1)).sort()).toEqual(["a.txt", "obj.names"]);
  });
});

describe("YOLO class names", () => {
  function folderWith(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "cu-names-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  it("reads names: as a list or as a map, from data.yaml or dataset.yaml", async () => {
    const list = await findClassNames([folderWith({ "data.yaml": "names: [cat, dog, 'traffic light']\n" })]);
    expect([...list.names]).toEqual([[0, "cat"], [1, "dog"], [2, "traffic light"]]);
    const map = await findClassNames([folderWith({ "dataset.yaml": "nc: 2\nnames:\n  3: bird\n  0: cat\n" })]);
    expect(new Map(map.names)).toEqual(new Map([[0, "cat"], [3, "bird"]]));
  });

  it("passes over a data.yaml without names for a classes.txt, and looks in each folder in order", async () => {
    const first = folderWith({ "data.yaml": "train: images\n" });
    const second = folderWith({ "classes.txt": "a\nb\n" });
    const found = await findClassNames([first, second]);
    expect(found.file).toBe(join(second, "classes.txt"));
    expect([...found.names.values()]).toEqual(["a", "b"]);
  });

  it("without class names, or with bad ones, is a usage error naming what it looked for", async () => {
    const empty = folderWith({});
    await expect(findClassNames([empty])).rejects.toThrow(`no YOLO class names: looked for data.yaml, dataset.yaml, classes.txt, obj.names in ${empty}`);
    await expect(findClassNames([folderWith({ "data.yaml": "names: {cat: 0}\n" })])).rejects.toThrow(/names: "cat" is not a class index/);
    await expect(findClassNames([folderWith({ "data.yaml": "names: [a\n" })])).rejects.toThrow(/data\.yaml: not valid YAML/);
    await expect(loadYolo(empty, empty)).rejects.toBeInstanceOf(UsageError);
    await expect(loadYolo(join(empty, "missing"), empty)).rejects.toThrow(/cannot read the YOLO annotations/);
  });

  it("reads a label folder inside a dataset root whose labels/ and images/ hold subfolders", async () => {
    const root = mkdtempSync(join(tmpdir(), "cu-ultra-"));
    for (const sub of ["images/val/x", "labels/val/x"]) mkdirSync(join(root, sub), { recursive: true });
    writeFileSync(join(root, "data.yaml"), "names: [cat]\n");
    copyFileSync(`${FLAT}/cat.jpg`, join(root, "images/val/x/p.JPG"));
    writeFileSync(join(root, "labels/val/x/p.txt"), "0 0.5 0.5 0.5 0.5\n");
    const index = await loadYolo(root, root);
    expect([...index.paths()]).toEqual(["images/val/x/p.JPG"]);
  });
});
