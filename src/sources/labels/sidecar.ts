/**
 * Per-file sidecars: `photo.jpg.json` beside `photo.jpg` gives that input's concepts,
 * metadata, geo point and regions:
 *
 *   {
 *     "concepts": ["cat", "indoor", { "name": "dog", "value": 0 }],
 *     "metadata": { "photographer": "ann" },
 *     "geo": { "longitude": 2.35, "latitude": 48.85 },
 *     "regions": [
 *       { "concept": "cat", "box": { "x": 4, "y": 2, "width": 10, "height": 8 } },
 *       { "concept": "cat", "polygon": [{ "x": 1, "y": 1 }, { "x": 9, "y": 1 }, { "x": 5, "y": 7 }] },
 *       { "concept": "toy", "value": 0.6, "box": { "x": 0.5, "y": 0.5, "width": 0.25, "height": 0.25 }, "normalized": true }
 *     ]
 *   }
 *
 * Every key is optional. A concept is a name (value 1) or `{ "name", "id", "value" }`
 * (`id` and `value` optional; value 0 is a negative concept); a region's `value` is its
 * concept's (1 unless given). Values outside 0..1 are refused. Region coordinates are pixels with a top-left origin, unless
 * `"normalized": true` (on the region, or at the top level for every region) makes
 * them fractions of the image's width and height. Region labels are returned as written;
 * `conceptId()` turns them into concept ids. Unknown keys are
 * errors, so that a misspelt key is not silently ignored.
 */
import { readFile } from "node:fs/promises";
import { isFiniteNumber, isRecord, show, type JsonRecord } from "./json-shapes.js";
import { ConceptError, conceptOf, mergeConcepts, type Concept } from "../concepts.js";
import type { PixelBox, PixelPoint, PixelRegion } from "./types.js";

export interface Sidecar {
  concepts?: Concept[];
  metadata?: Record<string, unknown>;
  geo?: { longitude: number; latitude: number };
  regions?: PixelRegion[];
}

/** A sidecar that exists but cannot be read or is not as documented; the message names the file. */
export class SidecarError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "SidecarError";
  }
}

/** Where an image's sidecar is: its path with ".json" appended. */
export function sidecarPath(imagePath: string): string {
  return `${imagePath}.json`;
}

const TOP_KEYS = ["concepts", "metadata", "geo", "regions", "normalized"];
const REGION_KEYS = ["concept", "value", "box", "polygon", "normalized"];
const CONCEPT_KEYS = ["name", "id", "value"];

/** The sidecar of `imagePath`; undefined when there is none. Throws a SidecarError when it is malformed. */
export async function readSidecar(imagePath: string): Promise<Sidecar | undefined> {
  const path = sidecarPath(imagePath);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new SidecarError(path, `cannot read it (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new SidecarError(path, `not valid JSON (${(error as Error).message})`);
  }
  return parseSidecar(doc, path);
}

/** A sidecar from its parsed JSON; `path` names it in errors and region origins. */
export function parseSidecar(doc: unknown, path: string): Sidecar {
  const fail = (message: string): never => {
    throw new SidecarError(path, message);
  };
  if (!isRecord(doc)) return fail("the top level must be a JSON object");
  checkKeys(doc, TOP_KEYS, "", fail);
  const sidecar: Sidecar = {};
  if (doc.concepts !== undefined) {
    const { concepts } = doc;
    if (!Array.isArray(concepts)) return fail(`"concepts" must be a list of names or { "name", "value" } objects, not ${show(concepts)}`);
    sidecar.concepts = mergeConcepts(concepts.map((concept, index) => readConcept(concept, index, fail)));
  }
  if (doc.metadata !== undefined) {
    if (!isRecord(doc.metadata)) return fail(`"metadata" must be a JSON object, not ${show(doc.metadata)}`);
    sidecar.metadata = doc.metadata;
  }
  if (doc.geo !== undefined) sidecar.geo = readGeo(doc.geo, fail);
  if (doc.normalized !== undefined && typeof doc.normalized !== "boolean") return fail(`"normalized" must be true or false`);
  if (doc.regions !== undefined) {
    if (!Array.isArray(doc.regions)) return fail(`"regions" must be a list, not ${show(doc.regions)}`);
    const normalized = doc.normalized === true;
    sidecar.regions = doc.regions.map((region, index) => readRegion(region, index, normalized, path, fail));
  }
  return sidecar;
}

type Fail = (message: string) => never;

function checkKeys(record: JsonRecord, allowed: readonly string[], where: string, fail: Fail): void {
  const unknown = Object.keys(record).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) fail(`${where}unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((key) => `"${key}"`).join(", ")} (allowed: ${allowed.join(", ")})`);
}

function readConcept(concept: unknown, index: number, fail: Fail): Concept {
  const where = `concept ${index + 1}: `;
  const shape = `a name or { "name", "id", "value" }`;
  try {
    if (typeof concept === "string") {
      if (concept.trim() === "") return fail(`${where}must be ${shape}, not an empty name`);
      return conceptOf(concept);
    }
    if (!isRecord(concept)) return fail(`${where}must be ${shape}, not ${show(concept)}`);
    checkKeys(concept, CONCEPT_KEYS, where, fail);
    const { name, id, value } = concept;
    if (name !== undefined && (typeof name !== "string" || name.trim() === "")) return fail(`${where}"name" must be a non-empty string`);
    if (id !== undefined && (typeof id !== "string" || id.trim() === "")) return fail(`${where}"id" must be a non-empty string`);
    if (name === undefined && id === undefined) return fail(`${where}needs a "name" or an "id"`);
    if (value !== undefined && !isFiniteNumber(value)) return fail(`${where}"value" must be a number from 0 to 1, not ${show(value)}`);
    return conceptOf((name ?? id) as string, value, id as string | undefined);
  } catch (error) {
    if (error instanceof ConceptError) return fail(`${where}${error.message}`);
    throw error;
  }
}

function readGeo(geo: unknown, fail: Fail): { longitude: number; latitude: number } {
  if (!isRecord(geo)) return fail(`"geo" must be an object { "longitude": ..., "latitude": ... }, not ${show(geo)}`);
  checkKeys(geo, ["longitude", "latitude"], `"geo": `, fail);
  const { longitude, latitude } = geo;
  if (!isFiniteNumber(longitude) || longitude < -180 || longitude > 180) return fail(`"geo": longitude must be a number from -180 to 180, not ${show(longitude)}`);
  if (!isFiniteNumber(latitude) || latitude < -90 || latitude > 90) return fail(`"geo": latitude must be a number from -90 to 90, not ${show(latitude)}`);
  return { longitude, latitude };
}

function readRegion(region: unknown, index: number, normalizedByDefault: boolean, path: string, fail: Fail): PixelRegion {
  const where = `region ${index + 1}: `;
  if (!isRecord(region)) return fail(`${where}must be an object { "concept", "box" or "polygon" }, not ${show(region)}`);
  checkKeys(region, REGION_KEYS, where, fail);
  const { concept, box, polygon, normalized, value } = region;
  if (typeof concept !== "string" || concept.trim() === "") return fail(`${where}"concept" must be a non-empty string`);
  if (value !== undefined && (!isFiniteNumber(value) || value < 0 || value > 1)) return fail(`${where}"value" must be a number from 0 to 1 (0: a negative concept), not ${show(value)}`);
  if (normalized !== undefined && typeof normalized !== "boolean") return fail(`${where}"normalized" must be true or false`);
  if (box === undefined && polygon === undefined) return fail(`${where}needs a "box" or a "polygon"`);
  const out: PixelRegion = { concept: concept.trim(), origin: `${path}: region ${index + 1}` };
  if (value !== undefined) out.value = value;
  if (box !== undefined) out.box = readBox(box, where, fail);
  if (polygon !== undefined) out.polygon = readPolygon(polygon, where, fail);
  if (normalized ?? normalizedByDefault) out.normalized = true;
  return out;
}

function readBox(box: unknown, where: string, fail: Fail): PixelBox {
  const shape = `"box" must be { "x", "y", "width", "height" } numbers`;
  if (!isRecord(box)) return fail(`${where}${shape}, not ${show(box)}`);
  checkKeys(box, ["x", "y", "width", "height"], `${where}"box": `, fail);
  const { x, y, width, height } = box;
  if (!isFiniteNumber(x) || !isFiniteNumber(y) || !isFiniteNumber(width) || !isFiniteNumber(height)) return fail(`${where}${shape}, not ${show(box)}`);
  return { x, y, width, height };
}

function readPolygon(polygon: unknown, where: string, fail: Fail): PixelPoint[] {
  const shape = `"polygon" must be a list of { "x", "y" } points`;
  if (!Array.isArray(polygon)) return fail(`${where}${shape}, not ${show(polygon)}`);
  return polygon.map((point, index) => {
    if (!isRecord(point) || !isFiniteNumber(point.x) || !isFiniteNumber(point.y) || Object.keys(point).length !== 2) {
      return fail(`${where}${shape}; point ${index + 1} is ${show(point)}`);
    }
    return { x: point.x, y: point.y };
  });
}
