import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { detectFormat, loadAnnotations } from "../../../../src/sources/labels/load.js";
import { LABELS } from "./helpers.js";

function folderWith(entries: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "cu-detect-"));
  for (const entry of entries) {
    if (entry.endsWith("/")) mkdirSync(join(dir, entry), { recursive: true });
    else writeFileSync(join(dir, entry), "");
  }
  return dir;
}

describe("detectFormat", () => {
  it("tells the fixtures apart", () => {
    expect(detectFormat(`${LABELS}/coco/annotations.json`)).toBe("coco");
    expect(detectFormat(`${LABELS}/coco`)).toBe("coco");
    expect(detectFormat(`${LABELS}/voc`)).toBe("voc");
    expect(detectFormat(`${LABELS}/voc/Annotations`)).toBe("voc");
    expect(detectFormat(`${LABELS}/voc/Annotations/cat.xml`)).toBe("voc");
    expect(detectFormat(`${LABELS}/yolo`)).toBe("yolo");
    expect(detectFormat(`${LABELS}/yolo/data.yaml`)).toBe("yolo");
    expect(detectFormat(`${LABELS}/yolo/labels`)).toBe("yolo");
    expect(detectFormat(`${LABELS}/yolo-flat`)).toBe("yolo");
    expect(detectFormat(`${LABELS}/yolo-flat/classes.txt`)).toBe("yolo");
  });

  it("reads a folder's own entries", () => {
    expect(detectFormat(folderWith(["labels/", "images/"]))).toBe("yolo");
    expect(detectFormat(folderWith(["obj.names", "a.txt", "a.jpg"]))).toBe("yolo");
    expect(detectFormat(folderWith(["dataset.yaml"]))).toBe("yolo");
    expect(detectFormat(folderWith(["Annotations/", "JPEGImages/", "ImageSets/"]))).toBe("voc");
    expect(detectFormat(folderWith(["instances_train.json", "instances_val.json"]))).toBe("coco");
  });

  it("throws a usage error naming what it looked at when the format is not obvious", () => {
    const empty = folderWith(["a.jpg", "a.txt"]);
    expect(() => detectFormat(empty)).toThrow(UsageError);
    expect(() => detectFormat(empty)).toThrow(
      `--annotations ${empty}: cannot tell the annotation format: the folder has no .json file (COCO), no Annotations/ folder or .xml file (Pascal VOC) and no labels/ folder, data.yaml, dataset.yaml, classes.txt or obj.names (YOLO); give --annotations-format coco|yolo|voc`,
    );
    const mixed = folderWith(["classes.txt", "a.xml", "b.xml"]);
    expect(() => detectFormat(mixed)).toThrow(`--annotations ${mixed}: cannot tell the annotation format: the folder looks like YOLO (classes.txt) and like Pascal VOC (.xml files); give --annotations-format coco|yolo|voc`);
    expect(() => detectFormat(`${LABELS}/yolo-flat/cat.txt`)).toThrow(/cannot tell the annotation format from the file's name \(\.json is COCO/);
    expect(() => detectFormat(`${LABELS}/missing`)).toThrow(`--annotations ${LABELS}/missing: no such file or folder`);
    expect(() => detectFormat(LABELS)).toThrow(UsageError);
  });
});

describe("loadAnnotations", () => {
  it("loads each format, detected or named", async () => {
    const coco = await loadAnnotations(`${LABELS}/coco/annotations.json`, "auto", `${LABELS}/images`);
    expect(coco.regionsFor("cat.jpg")).toHaveLength(4);
    const voc = await loadAnnotations(`${LABELS}/voc`, "auto", `${LABELS}/images`);
    expect(voc.regionsFor("cat.jpg")).toHaveLength(3);
    const yolo = await loadAnnotations(`${LABELS}/yolo`, "yolo", `${LABELS}/yolo`);
    expect(yolo.regionsFor("images/train/cat.jpg")).toHaveLength(4);
    expect(yolo.problems).toHaveLength(3);
  });

  it("a format that does not fit the path is a usage error", async () => {
    await expect(loadAnnotations(`${LABELS}/voc`, "coco", LABELS)).rejects.toThrow(/no \.json file; give the COCO annotation file itself/);
    await expect(loadAnnotations(`${LABELS}/coco`, "voc", LABELS)).rejects.toThrow(/no \.xml files/);
  });
});
