/**
 * Turns regions as annotation files give them (pixels, or fractions for YOLO) into the
 * platform's `Region`s: coordinates as fractions of the image's real width and height,
 * `bounding_box` {top_row, left_col, bottom_row, right_col} and `polygon.points`
 * [{row, col}], and masks as `mask.image` (a PNG the size of the image, `mask-png.ts`),
 * each region labelled with one concept (its value, 1 unless given). A mask must be
 * exactly the image's size and not empty.
 *
 * Shapes may overshoot the image by up to `TOLERANCE_PX` (annotation tools round, and
 * Pascal VOC counts pixels from 1): those are clamped to the image. Anything further
 * out, and degenerate shapes (zero or negative width or height, a polygon of fewer
 * than 3 points or of zero area), is left out and named in `problems` with the
 * region's origin and the reason. A region with both a box and a polygon (or a mask)
 * keeps whichever of them is sound. Pixel regions whose file declares an image size other
 * than the real one are left out too: their coordinates belong to another image.
 * Concept ids come from the labels by `conceptId()`; the label is the concept's name.
 */
import { Region, type BoundingBox, type DeepPartial, type Point, type RegionInfo } from "../../gen/clarifai/api/resources.js";
import { type RleMask, rleBounds } from "./coco-rle.js";
import { conceptId } from "./concept-id.js";
import { maskPng } from "./mask-png.js";
import type { PixelBox, PixelPoint, PixelRegion } from "./types.js";

/** How far (in pixels of the real image) a shape may overshoot the image and be clamped rather than rejected. */
export const TOLERANCE_PX = 1;

/** Slack for floating-point sums (YOLO's centre minus half the width) at the very edge of the tolerance. */
const ROUNDING = 1e-9;

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
  if (!region.normalized && region.imageSize && !sameSize(region.imageSize, frame)) {
    const declared = region.imageSize;
    const rotated = declared.width === frame.height && declared.height === frame.width;
    reasons.push(
      `the annotation file gives the image as ${declared.width} x ${declared.height} px but it is ${frame.width} x ${frame.height} px` +
        (rotated ? " (rotated: an EXIF orientation?)" : "") +
        ", so its pixel coordinates cannot be trusted",
    );
    return undefined;
  }
  const info: DeepPartial<RegionInfo> = {};
  if (region.box) {
    const box = normalizeBox(region.box, region.normalized === true, frame, reasons);
    if (box) info.boundingBox = box;
  }
  if (region.polygon) {
    const points = normalizePolygon(region.polygon, region.normalized === true, frame, reasons);
    if (points) info.polygon = { points };
  }
  if (region.mask) {
    const png = maskImage(region.mask, frame, reasons);
    if (png) info.mask = { image: { base64: png } };
  }
  if (!info.boundingBox && !info.polygon && !info.mask) return undefined;
  return Region.fromPartial({
    regionInfo: info,
    data: { concepts: [{ id: conceptId(label), name: label, value: region.value ?? 1 }] },
  });
}

/** The mask as a PNG the size of the image; undefined (with the reason) when it is empty or of another size. */
function maskImage(mask: RleMask, frame: Frame, reasons: string[]): Buffer | undefined {
  if (mask.width !== frame.width || mask.height !== frame.height) {
    reasons.push(`the mask is ${mask.width} x ${mask.height} px but the image is ${frame.width} x ${frame.height} px`);
    return undefined;
  }
  if (!rleBounds(mask)) {
    reasons.push("the mask is empty (no pixel of it is set)");
    return undefined;
  }
  return maskPng(mask);
}

function sameSize(declared: { width: number; height: number }, frame: Frame): boolean {
  return declared.width === frame.width && declared.height === frame.height;
}

/** Where a coordinate lies, as a fraction of the image, and whether it overshoots beyond tolerance. */
class Axis {
  constructor(
    private readonly size: number,
    private readonly normalized: boolean,
  ) {}

  fraction(value: number): number {
    return this.normalized ? value : value / this.size;
  }

  /** Beyond the image by more than the tolerance. */
  outside(fraction: number): boolean {
    const tolerance = TOLERANCE_PX / this.size + ROUNDING;
    return fraction < -tolerance || fraction > 1 + tolerance;
  }

  clamp(fraction: number): number {
    return Math.min(1, Math.max(0, fraction));
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
  const left = cols.fraction(box.x);
  const right = cols.fraction(box.x + box.width);
  const top = rows.fraction(box.y);
  const bottom = rows.fraction(box.y + box.height);
  // Name each side an edge overshoots (a box wholly past the right also has its left edge there).
  const sides = [
    cols.outside(left) && left < 0 ? "left" : undefined,
    rows.outside(top) && top < 0 ? "top" : undefined,
    cols.outside(right) && right > 0 ? "right" : undefined,
    rows.outside(bottom) && bottom > 0 ? "bottom" : undefined,
  ].filter((side) => side !== undefined);
  if (sides.length > 0) {
    reasons.push(`${what} lies beyond the ${sides.join(" and ")} edge of the ${frame.width} x ${frame.height} px image by more than ${TOLERANCE_PX} px`);
    return undefined;
  }
  const clamped = { leftCol: cols.clamp(left), rightCol: cols.clamp(right), topRow: rows.clamp(top), bottomRow: rows.clamp(bottom) };
  if (clamped.rightCol <= clamped.leftCol || clamped.bottomRow <= clamped.topRow) {
    reasons.push(`${what} lies outside the ${frame.width} x ${frame.height} px image`);
    return undefined;
  }
  return clamped;
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
  const points: Point[] = [];
  for (const [index, point] of polygon.entries()) {
    const col = cols.fraction(point.x);
    const row = rows.fraction(point.y);
    if (cols.outside(col) || rows.outside(row)) {
      reasons.push(
        `polygon${unit}: point ${index + 1} (x ${point.x}, y ${point.y}) lies beyond the ${frame.width} x ${frame.height} px image by more than ${TOLERANCE_PX} px`,
      );
      return undefined;
    }
    points.push({ row: rows.clamp(row), col: cols.clamp(col), z: 0 });
  }
  if (Math.abs(doubleArea(points, frame)) < MIN_POLYGON_AREA_PX2) {
    reasons.push(`degenerate polygon${unit}: zero area (its ${points.length} points lie on one line)`);
    return undefined;
  }
  return points;
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
