/**
 * COCO run-length encoded masks (what `iscrowd: 1` annotations use, and pycocotools
 * writes): `{"size": [height, width], "counts": ...}`, the mask's pixels in column-major
 * order (down the first column, then the next), as alternating runs of 0s and 1s that
 * start with 0s. `counts` is a list of run lengths (uncompressed RLE) or a string
 * (compressed RLE: pycocotools' `rleToString`, each run a variable-length group of
 * 5-bit digits offset by 48, from the fourth run on as a difference from the run two
 * before).
 */

/** A mask as runs: `counts[i]` pixels of 0 (even i) or 1 (odd i), column-major, summing to width * height. */
export interface RleMask {
  readonly height: number;
  readonly width: number;
  readonly counts: readonly number[];
}

/** The runs of a COCO RLE segmentation, or why it is not one (the message names the field). */
export function readRle(segmentation: Record<string, unknown>): RleMask | string {
  const { size, counts } = segmentation;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((n) => Number.isInteger(n) && (n as number) > 0)) {
    return `RLE segmentation: "size" must be [height, width], not ${JSON.stringify(size)}`;
  }
  const [height, width] = size as [number, number];
  let runs: number[];
  if (typeof counts === "string") {
    const decoded = decodeCompressedCounts(counts);
    if (typeof decoded === "string") return `RLE segmentation: compressed "counts" ${decoded}`;
    runs = decoded;
  } else if (Array.isArray(counts) && counts.every((n) => Number.isInteger(n) && (n as number) >= 0)) {
    runs = counts as number[];
  } else {
    return `RLE segmentation: "counts" must be a list of run lengths or a compressed RLE string`;
  }
  const total = runs.reduce((sum, run) => sum + run, 0);
  if (total !== height * width) {
    return `RLE segmentation: its runs cover ${total} pixels, but size ${height} x ${width} has ${height * width}`;
  }
  return { height, width, counts: runs };
}

/** The run lengths of a compressed RLE string (pycocotools' `rleFrString`), or why it cannot be read. */
export function decodeCompressedCounts(text: string): number[] | string {
  const counts: number[] = [];
  let position = 0;
  while (position < text.length) {
    let value = 0;
    let scale = 1;
    let more = true;
    while (more) {
      if (position >= text.length) return "ends in the middle of a run";
      const digit = text.charCodeAt(position) - 48;
      if (digit < 0 || digit > 63) return `has the character ${JSON.stringify(text[position])} at ${position}, outside the encoding`;
      value += (digit & 0x1f) * scale;
      more = (digit & 0x20) !== 0;
      position++;
      scale *= 32;
      if (!more && (digit & 0x10) !== 0) value -= scale; // a negative difference
    }
    if (counts.length > 2) value += counts[counts.length - 2]!;
    if (value < 0) return `decodes to a negative run (${value}) at run ${counts.length + 1}`;
    counts.push(value);
  }
  return counts;
}

/** The compressed RLE string of some runs (pycocotools' `rleToString`): the inverse of `decodeCompressedCounts`. */
export function encodeCompressedCounts(counts: readonly number[]): string {
  let text = "";
  for (const [index, count] of counts.entries()) {
    let value = index > 2 ? count - counts[index - 2]! : count;
    let more = true;
    while (more) {
      let digit = value & 0x1f;
      value = Math.floor(value / 32);
      more = (digit & 0x10) !== 0 ? value !== -1 : value !== 0;
      if (more) digit |= 0x20;
      text += String.fromCharCode(digit + 48);
    }
  }
  return text;
}

/** The mask's pixels row by row (`height` rows of `width`), 1 inside the mask and 0 outside. */
export function rleToRows(mask: RleMask): Uint8Array {
  const pixels = new Uint8Array(mask.width * mask.height);
  let index = 0;
  for (const [run, count] of mask.counts.entries()) {
    if (run % 2 === 1) {
      for (let i = index; i < index + count; i++) pixels[(i % mask.height) * mask.width + Math.floor(i / mask.height)] = 1;
    }
    index += count;
  }
  return pixels;
}

/** The bounding box of the mask's pixels (in pixels, top-left origin), or undefined when it is empty. */
export function rleBounds(mask: RleMask): { x: number; y: number; width: number; height: number } | undefined {
  let [top, left, bottom, right] = [Infinity, Infinity, -1, -1];
  let index = 0;
  for (const [run, count] of mask.counts.entries()) {
    if (run % 2 === 1 && count > 0) {
      const first = index;
      const last = index + count - 1;
      left = Math.min(left, Math.floor(first / mask.height));
      right = Math.max(right, Math.floor(last / mask.height));
      // A run that spans a column boundary covers whole columns' rows in between.
      const spansColumns = Math.floor(first / mask.height) !== Math.floor(last / mask.height);
      top = Math.min(top, spansColumns ? 0 : first % mask.height);
      bottom = Math.max(bottom, spansColumns ? mask.height - 1 : last % mask.height);
    }
    index += count;
  }
  return right < 0 ? undefined : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}
