import { readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UsageError } from "../../errors.js";
import { extensionOf } from "./list-files.js";
import type { AnnotationFormat } from "./types.js";
import { CLASS_NAME_FILES } from "./yolo-names.js";

const FORMATS: readonly AnnotationFormat[] = ["coco", "yolo", "voc"];
const FORMAT_NAMES: Record<AnnotationFormat, string> = { coco: "COCO", yolo: "YOLO", voc: "Pascal VOC" };
const HOW_TO_CHOOSE = "give --annotations-format coco|yolo|voc";

/**
 * The format of an annotation path, when it is obvious:
 * - a file: `.json` is COCO, `.xml` Pascal VOC, a `.yaml`/`.yml`, `classes.txt` or
 *   `obj.names` YOLO;
 * - a folder, from its own entries: an `Annotations/` folder or `.xml` files are
 *   Pascal VOC; a `labels/` folder (or being one, beside an `images/` folder) or a
 *   data.yaml, dataset.yaml, classes.txt or obj.names is YOLO; `.json` files are COCO.
 *   Exactly one of the three must show.
 * Throws a UsageError naming what it looked at otherwise.
 */
export function detectFormat(path: string): AnnotationFormat {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new UsageError(`--annotations ${path}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : (error as Error).message}`);
  }
  return isDir ? detectFolder(path) : detectFile(path);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isClassNameFile(name: string): boolean {
  return (CLASS_NAME_FILES as readonly string[]).includes(name);
}

function detectFile(path: string): AnnotationFormat {
  const name = basename(path);
  const ext = extensionOf(name);
  if (ext === "json") return "coco";
  if (ext === "xml") return "voc";
  if (ext === "yaml" || ext === "yml" || isClassNameFile(name)) return "yolo";
  throw new UsageError(
    `--annotations ${path}: cannot tell the annotation format from the file's name (.json is COCO, .xml Pascal VOC, data.yaml, classes.txt or obj.names YOLO); ${HOW_TO_CHOOSE}`,
  );
}

function detectFolder(path: string): AnnotationFormat {
  const signs = new Map<AnnotationFormat, string[]>();
  const sign = (format: AnnotationFormat, what: string): void => {
    signs.set(format, [...(signs.get(format) ?? []), what]);
  };
  const entries = readdirSync(path, { withFileTypes: true }).filter((entry) => !entry.name.startsWith("."));
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (entry.name === "Annotations") sign("voc", "Annotations/");
      if (entry.name === "labels") sign("yolo", "labels/");
    } else if (isClassNameFile(entry.name)) {
      sign("yolo", entry.name);
    } else {
      const ext = extensionOf(entry.name);
      if (ext === "xml") sign("voc", ".xml files");
      if (ext === "json") sign("coco", ".json files");
    }
  }
  if (basename(resolve(path)) === "labels" && isDirectory(join(path, "..", "images"))) sign("yolo", "a labels/ folder beside images/");
  const found = FORMATS.filter((format) => signs.has(format));
  if (found.length === 1) return found[0]!;
  const seen = found.map((format) => `${FORMAT_NAMES[format]} (${[...new Set(signs.get(format))].join(", ")})`);
  throw new UsageError(
    found.length === 0
      ? `--annotations ${path}: cannot tell the annotation format: the folder has no .json file (COCO), no Annotations/ folder or .xml file (Pascal VOC) and no labels/ folder, data.yaml, dataset.yaml, classes.txt or obj.names (YOLO); ${HOW_TO_CHOOSE}`
      : `--annotations ${path}: cannot tell the annotation format: the folder looks like ${seen.join(" and like ")}; ${HOW_TO_CHOOSE}`,
  );
}
