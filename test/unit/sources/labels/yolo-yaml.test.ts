import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
import { loadYolo } from "../../../../src/sources/labels/yolo.js";
import { labelPathOf, readYoloYaml } from "../../../../src/sources/labels/yolo-yaml.js";
import { LABELS, shapeOf } from "./helpers.js";

const YAML = `${LABELS}/ultralytics/cfg/tiny8.yaml`;
const ROOT = resolve(`${LABELS}/ultralytics/datasets/tiny8`);

describe("an Ultralytics dataset YAML outside its dataset", () => {
  it("resolves path: against the YAML's folder and reads train (a folder), val (a list of folders) and test (a .txt list)", async () => {
    const dataset = await readYoloYaml(YAML);
    expect(dataset?.root).toBe(ROOT);
    expect(dataset?.images.map((image) => image.slice(ROOT.length + 1).split(sep).join("/"))).toEqual([
      "images/train/cat.jpg",
      "images/train/dog.png",
      "images/val/bird.jpg",
      "images/test/fish.png",
    ]);
    expect(dataset?.lists).toEqual([join(ROOT, "test.txt")]);
    expect([...(dataset?.names.names ?? [])]).toEqual([[0, "cat"], [1, "dog"], [2, "traffic light"]]);
    expect(dataset?.problems).toEqual([]);
  });

  it("finds each image's labels by Ultralytics' rule and reads boxes and polygons", async () => {
    const index = await loadYolo(YAML, ROOT);
    expect([...index.paths()].sort()).toEqual(["images/test/fish.png", "images/train/cat.jpg", "images/train/dog.png"]);
    expect(normalizeRegions(index.regionsFor("images/train/cat.jpg")!, 32, 24).regions.map(shapeOf)).toEqual([
      { box: [0.25, 0.25, 0.75, 0.75], concepts: ["cat/cat/1"] },
      { points: [[0.25, 0.25], [0.25, 0.75], [0.75, 0.75], [0.75, 0.25]], concepts: ["dog/dog/1"] },
    ]);
    expect(normalizeRegions(index.regionsFor("images/train/dog.png")!, 32, 24).regions.map(shapeOf)).toEqual([
      { points: [[0, 0.5], [0.5, 1], [1, 0.5], [0.5, 0]], concepts: ["dog/dog/1"] },
    ]);
    expect(normalizeRegions(index.regionsFor("images/test/fish.png")!, 32, 24).regions.map(shapeOf)).toEqual([
      { box: [0, 0, 0.25, 0.25], concepts: ["traffic-light/traffic light/1"] },
    ]);
    expect(index.problems).toEqual([{ origin: `${join(ROOT, "labels", "train", "dog.txt")}: line 2 "9 0.5 0.5 0.1 0.1"`, message: `class 9 is not among the 3 class names in ${YAML}` }]);
    const files = [...index.files].map((file) => file.slice(resolve(LABELS, "ultralytics").length + 1).split(sep).join("/")).sort();
    expect(files).toEqual(["cfg/tiny8.yaml", "datasets/tiny8/labels/test/fish.txt", "datasets/tiny8/labels/train/cat.txt", "datasets/tiny8/labels/train/dog.txt", "datasets/tiny8/test.txt"]);
  });

  it("keys images outside the source root by their path under the dataset root", async () => {
    const index = await loadYolo(YAML, `${LABELS}/images`);
    expect([...index.paths()].sort()).toEqual(["images/test/fish.png", "images/train/cat.jpg", "images/train/dog.png"]);
  });

  it("maps image paths to label paths as img2label_paths does", () => {
    expect(labelPathOf(`${sep}d${sep}images${sep}a${sep}images${sep}x.y.jpg`)).toBe(`${sep}d${sep}images${sep}a${sep}labels${sep}x.y.txt`);
    expect(labelPathOf(`${sep}d${sep}pics${sep}x.png`)).toBe(`${sep}d${sep}pics${sep}x.txt`);
  });

  it("takes an absolute path:, names as a list or nc alone, ../ fallbacks, and reports splits that are not there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-yaml-"));
    mkdirSync(join(dir, "data", "images", "train"), { recursive: true });
    mkdirSync(join(dir, "data", "labels", "train"), { recursive: true });
    copyFileSync(`${LABELS}/images/cat.jpg`, join(dir, "data", "images", "train", "a.jpg"));
    writeFileSync(join(dir, "data", "labels", "train", "a.txt"), "0 0.5 0.5 1 1\n");
    writeFileSync(join(dir, "data", "labels", "train", "stale.txt"), "0 0.5 0.5 1 1\n");
    writeFileSync(join(dir, "abs.yaml"), `path: ${join(dir, "data")}\ntrain: ../images/train\nval: images/missing\nnc: 1\ndownload: https://example.invalid/x.zip\n`);
    const index = await loadYolo(join(dir, "abs.yaml"), dir);
    expect([...index.paths()]).toEqual(["data/images/train/a.jpg"]);
    expect(index.regionsFor("data/images/train/a.jpg")![0]!.concept).toBe("class_0");
    // a label file no image of the splits names is still a label file: not an input
    expect([...index.files].filter((file) => file.endsWith(".txt")).sort()).toEqual([join(dir, "data", "labels", "train", "a.txt"), join(dir, "data", "labels", "train", "stale.txt")]);
    expect(index.problems).toEqual([
      { origin: `${join(dir, "abs.yaml")}: val: images/missing`, message: `${join(dir, "data", "images", "missing")}: no such folder or file (Ultralytics would run the YAML's download:; this tool does not download)` },
    ]);
    writeFileSync(join(dir, "names-only.yaml"), "names: [a]\n");
    expect(await readYoloYaml(join(dir, "names-only.yaml"))).toBeUndefined();
    writeFileSync(join(dir, "no-names.yaml"), "train: data/images/train\n");
    await expect(readYoloYaml(join(dir, "no-names.yaml"))).rejects.toThrow(`no-names.yaml: no "names:" (the YOLO class names) and no "nc:"`);
  });

  it("skips pose lines with one warning per file: by kpt_shape, or an odd count of numbers without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-pose-"));
    mkdirSync(join(dir, "images"));
    mkdirSync(join(dir, "labels"));
    copyFileSync(`${LABELS}/images/cat.jpg`, join(dir, "images", "p.jpg"));
    const pose = "0 0.5 0.5 0.5 0.5 0.4 0.4 2 0.6 0.6 2\n";
    writeFileSync(join(dir, "labels", "p.txt"), `${pose}${pose}0 0.5 0.5 0.2 0.2\n`);
    writeFileSync(join(dir, "pose.yaml"), "train: images\nnames: [person]\nkpt_shape: [2, 3]\n");
    const index = await loadYolo(join(dir, "pose.yaml"), dir);
    expect(index.regionsFor("images/p.jpg")).toHaveLength(1);
    expect(index.warnings).toEqual([{ origin: join(dir, "labels", "p.txt"), message: "2 lines (1, ...) with keypoints (a pose label) skipped: keypoints are not posted" }]);
    // Without kpt_shape: 3 keypoints of x, y, visibility make 13 numbers, which no box or polygon has.
    writeFileSync(join(dir, "labels", "p.txt"), "0 0.5 0.5 0.5 0.5 0.4 0.4 2 0.6 0.6 2 0.5 0.5 1\n0 0.5 0.5 0.2 0.2\n");
    writeFileSync(join(dir, "plain.yaml"), "train: images\nnames: [person]\n");
    const guessed = await loadYolo(join(dir, "plain.yaml"), dir);
    expect(guessed.regionsFor("images/p.jpg")).toHaveLength(1);
    expect(guessed.warnings).toHaveLength(1);
    expect(guessed.problems).toEqual([]);
  });
});
