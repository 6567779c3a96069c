/**
 * One YOLO label file: one object per line, every coordinate a fraction of the image's
 * width or height.
 * - `class cx cy w h`: a box by its centre;
 * - `class x1 y1 x2 y2 x3 y3 ...` (more than four numbers, an even count): a polygon, as
 *   Ultralytics writes segmentation labels;
 * - a pose line, `class cx cy w h` then keypoints (the count `kpt_shape` gives, or an odd
 *   count of seven numbers or more when it is not known): skipped, with one warning for
 *   the file, since keypoints are not posted.
 */
import type { RegionIndex } from "./region-index.js";
import type { PixelRegion } from "./types.js";
import type { ClassNames } from "./yolo-names.js";
import type { KeypointShape } from "./yolo-yaml.js";

const CLASS_INDEX = /^\d+$/;
const EXCERPT_LENGTH = 48;

function excerpt(line: string): string {
  return `"${line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH - 3)}...` : line}"`;
}

/** Whether a line of `count` numbers after the class is a pose line. */
function isKeypointLine(count: number, keypoints: KeypointShape | undefined): boolean {
  if (keypoints) return count === 4 + keypoints.count * keypoints.dims;
  return count >= 7 && count % 2 === 1;
}

/** The regions of one label file; bad lines become problems, pose lines one warning. */
export function parseLabelFile(text: string, file: string, classes: ClassNames, index: RegionIndex, keypoints?: KeypointShape): PixelRegion[] {
  const regions: PixelRegion[] = [];
  const poseLines: number[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [position, line] of lines.entries()) {
    const tokens = line.trim().split(/\s+/).filter((token) => token !== "");
    if (tokens.length === 0) continue;
    // The line's text too: boxes are reported by their top-left corner, not the centre the file gives.
    const origin = `${file}: line ${position + 1} ${excerpt(tokens.join(" "))}`;
    const [classToken, ...rest] = tokens as [string, ...string[]];
    const numbers = rest.map(Number);
    if (!CLASS_INDEX.test(classToken)) {
      index.problem(origin, `class "${classToken}" is not a class index (0, 1, 2, ...)`);
      continue;
    }
    const concept = classes.names.get(Number(classToken));
    if (concept === undefined) {
      index.problem(origin, `class ${classToken} is not among the ${classes.names.size} class names in ${classes.file}`);
      continue;
    }
    const bad = rest.find((token, i) => !Number.isFinite(numbers[i]));
    if (bad !== undefined) {
      index.problem(origin, `"${bad}" is not a number`);
      continue;
    }
    if (isKeypointLine(numbers.length, keypoints)) {
      poseLines.push(position + 1);
    } else if (numbers.length === 4) {
      const [cx, cy, width, height] = numbers as [number, number, number, number];
      regions.push({ concept, box: { x: cx - width / 2, y: cy - height / 2, width, height }, normalized: true, origin });
    } else if (numbers.length >= 6 && numbers.length % 2 === 0) {
      const polygon = [];
      for (let i = 0; i < numbers.length; i += 2) polygon.push({ x: numbers[i]!, y: numbers[i + 1]! });
      regions.push({ concept, polygon, normalized: true, origin });
    } else {
      index.problem(origin, `expected 4 numbers (a box: cx cy w h) or an even count of at least 6 (a polygon: x1 y1 x2 y2 ...) after the class; found ${numbers.length}`);
    }
  }
  if (poseLines.length > 0) {
    const which = poseLines.length === 1 ? `line ${poseLines[0]}` : `${poseLines.length} lines (${poseLines[0]}, ...)`;
    index.warning(file, `${which} with keypoints (a pose label) skipped: keypoints are not posted`);
  }
  return regions;
}
