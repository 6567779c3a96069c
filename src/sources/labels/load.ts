import { loadCoco } from "./coco.js";
import { detectFormat } from "./detect-format.js";
import type { AnnotationFormat, AnnotationIndex } from "./types.js";
import { loadVoc } from "./voc.js";
import { loadYolo } from "./yolo.js";

export type { AnnotationFormat } from "./types.js";
export { detectFormat } from "./detect-format.js";

/**
 * Reads the annotations at `path` (a file or folder, by format) into an index of
 * regions by image path relative to `sourceRoot`. Entries that cannot be read are in
 * the index's `problems`; a path that cannot be read at all, or whose format cannot be
 * told, throws a UsageError.
 */
export async function loadAnnotations(path: string, format: AnnotationFormat | "auto", sourceRoot: string): Promise<AnnotationIndex> {
  const chosen = format === "auto" ? detectFormat(path) : format;
  switch (chosen) {
    case "coco":
      return loadCoco(path);
    case "yolo":
      return loadYolo(path, sourceRoot);
    case "voc":
      return loadVoc(path);
  }
}
