import type { Annotation, Concept, Region } from "../../gen/clarifai/api/resources.js";
import { maskImageProblem } from "../media/mask-rules.js";

const inUnit = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;

/**
 * Why an annotation cannot be stored, or null. It must carry concepts or
 * regions; a concept needs an id and a value in [0, 1]; a bounding box, polygon
 * or point uses coordinates in [0, 1] (relative to the image), a box has
 * top < bottom and left < right, a polygon at least 3 points; a mask is a PNG
 * image given by its bytes.
 */
export function annotationProblem(annotation: Annotation): string | null {
  const data = annotation.data;
  if (data === undefined || (data.concepts.length === 0 && data.regions.length === 0)) {
    return "annotation has no data: set data.concepts or data.regions";
  }
  const conceptProblem = conceptsProblem(data.concepts, "annotation");
  if (conceptProblem !== null) return conceptProblem;
  for (let i = 0; i < data.regions.length; i++) {
    const region = data.regions[i];
    const problem = region === undefined ? null : regionProblem(region, `region ${i + 1}`);
    if (problem !== null) return problem;
  }
  return null;
}

function conceptsProblem(concepts: readonly Concept[], where: string): string | null {
  for (let i = 0; i < concepts.length; i++) {
    const concept = concepts[i];
    if (concept === undefined) continue;
    if (concept.id === "") return `concept ${i + 1} of the ${where} has no id`;
    if (!inUnit(concept.value)) return `concept '${concept.id}' of the ${where} has value ${concept.value}, not in [0, 1]`;
  }
  return null;
}

function regionProblem(region: Region, where: string): string | null {
  const info = region.regionInfo;
  if (info === undefined) return `${where} has no region_info`;
  const box = info.boundingBox;
  if (box !== undefined) {
    const { topRow, leftCol, bottomRow, rightCol } = box;
    if (![topRow, leftCol, bottomRow, rightCol].every(inUnit)) {
      return `${where}: bounding box coordinates must be in [0, 1] (relative to the image)`;
    }
    if (topRow >= bottomRow || leftCol >= rightCol) {
      return `${where}: bounding box needs top_row < bottom_row and left_col < right_col`;
    }
  }
  const polygon = info.polygon;
  if (polygon !== undefined) {
    if (polygon.points.length < 3) return `${where}: a polygon needs at least 3 points`;
    if (!polygon.points.every((p) => inUnit(p.row) && inUnit(p.col))) {
      return `${where}: polygon points must be in [0, 1] (relative to the image)`;
    }
  }
  const point = info.point;
  if (point !== undefined && !(inUnit(point.row) && inUnit(point.col))) {
    return `${where}: point coordinates must be in [0, 1] (relative to the image)`;
  }
  const mask = info.mask;
  if (mask !== undefined) {
    const problem = maskImageProblem(mask.image?.base64 ?? new Uint8Array());
    if (problem !== null) return `${where}: ${problem}`;
  }
  if (box === undefined && polygon === undefined && point === undefined && mask === undefined) {
    return `${where} has neither a bounding_box, a polygon, a mask nor a point`;
  }
  return region.data === undefined ? null : conceptsProblem(region.data.concepts, where);
}
