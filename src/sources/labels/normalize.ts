/**
 * Turns regions as annotation files give them (pixels, or fractions for YOLO) into the
 * platform's `Region`s: coordinates as fractions of the image's width and height,
 * `bounding_box` {top_row, left_col, bottom_row, right_col} and `polygon.points`
 * [{row, col}], and masks as `mask.image` (a PNG the size of the image, `mask-png.ts`),
 * each region labelled with one concept (its value, 1 unless given). A mask must be
 * exactly the image's size and not empty.
 *
 * A shape that runs past the image's edge is clipped to it, as Clarifai's own dataset
 * loaders clip (`max(0, ...)`, `min(1, ...)`, `np.clip`): augmented and tiled datasets
 * have boxes cut by the edge. A shape left with no area inside the image, and degenerate
 * shapes (zero or negative width or height, a polygon of fewer than 3 points or of zero
 * area), are left out and named in `problems` with the region's origin and the reason. A
 * region with both a box and a polygon (or a mask) keeps whichever of them is sound.
 *
 * Pixel coordinates are fractions of the size the annotation file declares for the image
 * (COCO `images[].width/height`, VOC `<size>`), as those loaders take them, or of the
 * image's real size when it declares none. A declared size that is not the real one
 * scaled (an aspect ratio off by more than a pixel, as a rotation by EXIF gives) leaves
 * the image's regions out: their coordinates belong to another picture.
 * Concept ids come from the labels by `conceptId()` unless the reader gives one; the
 * label is the concept's name.
 */
import { Region, type BoundingBox, type DeepPartial, type Point, type RegionInfo } from "../../gen/clarifai/api/resources.js";
import { type RleMask, rleBounds } from "./coco-rle.js";
import { conceptId } from "./concept-id.js";
import { maskPng } from "./mask-png.js";
import type { PixelBox, PixelPoint, PixelRegion } from "./types.js";

/** Twice the area (in square pixels) under which a polygon counts as flat. */
const MIN_POLYGON_AREA_PX2 = 1e-6;

export interface NormalizedRegions {
  regions: Region[];
  /** One line per shape left out: "annotations.json: annotation 17: degenerate box: width 0, height 5". */
  problems: string[];
}

export function normalizeRegions(regions: readonly PixelRegion[], width: number, height: number): NormalizedRegions {
  const out: NormalizedRegions = { regions: [], problems: [] };
  if (!isDimension(width) || !isDimension(height)) {
    for (const region of regions) {
      out.problems.push(`${region.origin}: the image's size is unknown (${width} x ${height}), so its regions cannot be placed`);
    }
    return out;
  }
  const frame = { width, height };
  for (const region of regions) {
    const reasons: string[] = [];
    const made = normalizeRegion(region, frame, reasons);
    for (const reason of reasons) out.problems.push(`${region.origin}: ${reason}`);
    if (made) out.regions.push(made);
  }
  return out;
}

interface Frame {
  readonly width: number;
  readonly height: number;
}

function isDimension(value: number): boolean {
  return Number.isFinite(value) && value > 0;
}

function normalizeRegion(region: PixelRegion, frame: Frame, reasons: string[]): Region | undefined {
  const label = region.concept.trim();
  if (label === "") {
    reasons.push("no label (an empty class or category name)");
    return undefined;
  }
  if (!region.box && !region.polygon && !region.mask) {
    reasons.push("no shape (neither a box, a polygon nor a mask)");
    return undefined;
  }
  let coordinates: Frame = frame;
  if (!region.normalized && region.imageSize && !sameSize(region.imageSize, frame)) {
    const declared = region.imageSize;
    if (!scaledAlike(declared, frame)) {
      const rotated = declared.width === frame.height && declared.height === frame.width;
      reasons.push(
        `the annotation file gives the image as ${declared.width} x ${declared.height} px but it is ${frame.width} x ${frame.height} px` +
          (rotated ? " (rotated: an EXIF orientation?)" : " (not the same picture scaled)") +
          ", so its pixel coordinates cannot be trusted",
      );
      return undefined;
    }
    // The image was scaled since it was annotated: its shapes are where they were, in fractions.
    coordinates = declared;
  }
  const info: DeepPartial<RegionInfo> = {};
  if (region.box) {
    const box = normalizeBox(region.box, region.normalized === true, coordinates, reasons);
    if (box) info.boundingBox = box;
  }
  if (region.polygon) {
    const points = normalizePolygon(region.polygon, region.normalized === true, coordinates, reasons);
    if (points) info.polygon = { points };
  }
  if (region.mask) {
    const png = maskImage(region.mask, frame, coordinates !== frame, reasons);
    if (png) info.mask = { image: { base64: png } };
  }
  if (!info.boundingBox && !info.polygon && !info.mask) return undefined;
  return Region.fromPartial({
    regionInfo: info,
    data: { concepts: [{ id: region.conceptId ?? conceptId(label), name: label, value: region.value ?? 1 }] },
  });
}

/** The mask as a PNG the size of the image; undefined (with the reason) when it is empty or of another size. */
function maskImage(mask: RleMask, frame: Frame, scaled: boolean, reasons: string[]): Buffer | undefined {
  if (mask.width !== frame.width || mask.height !== frame.height) {
    reasons.push(`the mask is ${mask.width} x ${mask.height} px but the image is ${frame.width} x ${frame.height} px${scaled ? " (scaled since it was annotated: a mask is not scaled)" : ""}`);
    return undefined;
  }
  if (!rleBounds(mask)) {
    reasons.push("the mask is empty (no pixel of it is set)");
    return undefined;
  }
  return maskPng(mask);
}

function sameSize(declared: Frame, frame: Frame): boolean {
  return declared.width === frame.width && declared.height === frame.height;
}

/** The real image is the declared one scaled (rounded to whole pixels): their aspect ratios agree within a pixel. */
function scaledAlike(declared: Frame, frame: Frame): boolean {
  return Math.abs((declared.height * frame.width) / declared.width - frame.height) <= 1;
}

/** Where a coordinate lies, as a fraction of the image, clipped to it. */
class Axis {
  constructor(
    private readonly size: number,
    private readonly normalized: boolean,
  ) {}

  fraction(value: number): number {
    return Math.min(1, Math.max(0, this.normalized ? value : value / this.size));
  }
}

function describeBox(box: PixelBox, normalized: boolean): string {
  return `box (x ${box.x}, y ${box.y}, width ${box.width}, height ${box.height}${normalized ? ", as fractions of the image" : " px"})`;
}

function normalizeBox(box: PixelBox, normalized: boolean, frame: Frame, reasons: string[]): BoundingBox | undefined {
  const what = describeBox(box, normalized);
  if (![box.x, box.y, box.width, box.height].every(Number.isFinite)) {
    reasons.push(`${what}: a coordinate is not a number`);
    return undefined;
  }
  if (box.width <= 0 || box.height <= 0) {
    reasons.push(`degenerate ${what}: its width and height must be more than 0`);
    return undefined;
  }
  const cols = new Axis(frame.width, normalized);
  const rows = new Axis(frame.height, normalized);
  const clipped = { leftCol: cols.fraction(box.x), rightCol: cols.fraction(box.x + box.width), topRow: rows.fraction(box.y), bottomRow: rows.fraction(box.y + box.height) };
  if (clipped.rightCol <= clipped.leftCol || clipped.bottomRow <= clipped.topRow) {
    reasons.push(`${what} lies outside the ${frame.width} x ${frame.height} px image`);
    return undefined;
  }
  return clipped;
}

function normalizePolygon(polygon: readonly PixelPoint[], normalized: boolean, frame: Frame, reasons: string[]): Point[] | undefined {
  const unit = normalized ? " (fractions of the image)" : "";
  if (polygon.length < 3) {
    reasons.push(`degenerate polygon${unit}: ${polygon.length} point${polygon.length === 1 ? "" : "s"}, at least 3 are needed`);
    return undefined;
  }
  if (!polygon.every((point) => Number.isFinite(point.x) && Number.isFinite(point.y))) {
    reasons.push(`polygon${unit}: a coordinate is not a number`);
    return undefined;
  }
  const cols = new Axis(frame.width, normalized);
  const rows = new Axis(frame.height, normalized);
  const points = polygon.map((point) => ({ row: rows.fraction(point.y), col: cols.fraction(point.x), z: 0 }));
  if (Math.abs(doubleArea(points, frame)) < MIN_POLYGON_AREA_PX2) {
    const inside = polygon.every((point) => isWithin(point, frame, normalized));
    reasons.push(inside ? `degenerate polygon${unit}: zero area (its ${points.length} points lie on one line)` : `polygon${unit} lies outside the ${frame.width} x ${frame.height} px image`);
    return undefined;
  }
  return points;
}

function isWithin(point: PixelPoint, frame: Frame, normalized: boolean): boolean {
  const [width, height] = normalized ? [1, 1] : [frame.width, frame.height];
  return point.x >= 0 && point.x <= width && point.y >= 0 && point.y <= height;
}

/** Twice the signed area in square pixels (the shoelace formula). */
function doubleArea(points: readonly Point[], frame: Frame): number {
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    sum += a.col * frame.width * (b.row * frame.height) - b.col * frame.width * (a.row * frame.height);
  }
  return sum;
}
