/**
 * What the annotation readers (COCO, YOLO, Pascal VOC, sidecars) produce: shapes as the
 * files give them, keyed by image, before they are normalized against the image's real
 * dimensions (`normalize.ts`).
 */

import type { RleMask } from "./coco-rle.js";

/** The annotation file formats read: COCO JSON, YOLO txt labels, Pascal VOC XML. */
export type AnnotationFormat = "coco" | "yolo" | "voc";

/** A rectangle; top-left origin. In pixels, or in fractions of the image when the region is `normalized`. */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point; top-left origin. In pixels, or in fractions of the image when the region is `normalized`. */
export interface PixelPoint {
  x: number;
  y: number;
}

export interface PixelRegion {
  /** The label as the annotation file writes it (a class or category name): the concept's name. */
  concept: string;
  /** The concept's id, when the reader makes it its own way (lower-cased, for COCO and VOC); else `conceptId(concept)`. */
  conceptId?: string;
  /** The concept's value: 1 (present) unless the file gives one; 0 is a negative concept. */
  value?: number;
  box?: PixelBox;
  /** The outline, in order; not closed (a repeated first point is harmless). */
  polygon?: PixelPoint[];
  /** A mask of the image's pixels (COCO RLE), as runs; its size must be the image's. */
  mask?: RleMask;
  /**
   * Coordinates are fractions of the image's width and height (0..1), not pixels.
   * YOLO labels are written this way, so they are kept as written rather than turned
   * into pixels and back; `normalizeRegions` handles both kinds.
   */
  normalized?: boolean;
  /**
   * The image size the annotation file declares (COCO `images[].width/height`, VOC
   * `<size>`), when it declares one. Pixel coordinates are fractions of that size; an
   * image whose real size is not that size scaled has its regions rejected rather than
   * misplaced.
   */
  imageSize?: { width: number; height: number };
  /** Where it came from, for messages: "annotations.json: annotation 17". */
  origin: string;
}

/** An entry of an annotation file that could not be read; the caller reports it. */
export interface LabelProblem {
  /** The file, and the entry within it when there is one: "labels/a.txt: line 3". */
  origin: string;
  message: string;
}

export interface AnnotationIndex {
  /**
   * Regions for an image, by its path relative to the source root ("/" separators);
   * matched by exact relative path, else by file name when that name is unique in the
   * index. Undefined when the index has no regions for it.
   */
  regionsFor(relPath: string): readonly PixelRegion[] | undefined;
  /** A file a walk met: the regions of its image, if any, have found their image. */
  found(relPath: string): void;
  /** The images the annotation files give regions for that no walk met (`found`), as the files name them. */
  notFound(): IterableIterator<{ path: string; regions: number }>;
  /** Entries that could not be read (reported by the caller as warnings or rejections). */
  readonly problems: readonly LabelProblem[];
  /** Oddities that cost no region worth having (keypoints left out): said once per file. */
  readonly warnings: readonly LabelProblem[];
  /** The annotation files read (absolute paths): they are not inputs, so a walk leaves them out. */
  readonly files: ReadonlySet<string>;
  /** Images with annotations. */
  readonly size: number;
}
