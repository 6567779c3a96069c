import type { Region } from "../../../../src/gen/clarifai/api/resources.js";
import { decodeGreyPng } from "../../../helpers/png.js";
import type { AnnotationIndex, LabelProblem } from "../../../../src/sources/labels/types.js";

/** Paths as the tests give them: relative to the repository root, where vitest runs. */
export const LABELS = "fixtures/labels";

/** A region's shapes and concepts, without the proto defaults. */
export function shapeOf(region: Region): { box?: number[]; points?: number[][]; mask?: string; concepts: string[] } {
  const info = region.regionInfo;
  const box = info?.boundingBox;
  return {
    ...(box ? { box: [box.topRow, box.leftCol, box.bottomRow, box.rightCol] } : {}),
    ...(info?.polygon ? { points: info.polygon.points.map((point) => [point.row, point.col]) } : {}),
    ...(info?.mask ? { mask: maskSize(info.mask.image?.base64 ?? new Uint8Array()) } : {}),
    concepts: (region.data?.concepts ?? []).map((concept) => `${concept.id}/${concept.name}/${concept.value}`),
  };
}

/** The origins of an index's problems. */
export function problemOrigins(index: AnnotationIndex): string[] {
  return index.problems.map((problem: LabelProblem) => problem.origin);
}

/** "WxH" of a mask image. */
function maskSize(png: Uint8Array): string {
  const { width, height } = decodeGreyPng(png);
  return `${width}x${height}`;
}
