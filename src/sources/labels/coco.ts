/**
 * COCO object annotations: one JSON file with `images` (id, file_name, width, height),
 * `annotations` (image_id, category_id, bbox [x, y, width, height], segmentation
 * polygons [[x1, y1, x2, y2, ...], ...]) and `categories` (id, name). Coordinates are
 * pixels. Each image is keyed by its `file_name`, taken as its path relative to the
 * source root.
 *
 * The file is read and parsed whole (JSON.parse): about ten times its size in memory,
 * acceptable for the files people upload (COCO train2017's 450 MB instances file is
 * the extreme). Only what is needed is kept afterwards.
 *
 * One annotation gives one region holding its box and its (first) polygon; a
 * segmentation of several polygons gives one more polygon-only region per further
 * part. An RLE segmentation (a mask, as crowd annotations use; compressed or not) gives
 * one region holding its box and the mask (see `coco-rle.ts`), posted as a mask image.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../../errors.js";
import { readRle } from "./coco-rle.js";
import { conceptId } from "./concept-id.js";
import { isFiniteNumber, isRecord, show, type JsonRecord } from "./json-shapes.js";
import { extensionOf } from "./list-files.js";
import { RegionIndex } from "./region-index.js";
import type { PixelBox, PixelPoint, PixelRegion } from "./types.js";

interface CocoImage {
  fileName: string;
  size?: { width: number; height: number };
}

/** Loads a COCO file, or the one .json file in a folder. */
export async function loadCoco(given: string): Promise<RegionIndex> {
  const path = await cocoFile(given);
  const doc = await readJson(path);
  const index = new RegionIndex();
  index.file(path);
  const images = readImages(path, doc, index);
  if (!Array.isArray(doc.categories) && isCaptions(doc.annotations)) {
    throw new UsageError(`${path}: a COCO captions file (its annotations hold captions, and it has no categories): captions are not regions; give an instances file (boxes, polygons, masks)`);
  }
  const categories = readCategories(path, doc, index);
  for (const [position, entry] of arrayField(path, doc, "annotations").entries()) {
    readAnnotation(path, position, entry, images, categories, index);
  }
  return index;
}

async function cocoFile(path: string): Promise<string> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError(`${path}: cannot read the COCO annotation file (${(error as Error).message})`);
  }
  if (!isDir) return path;
  const json = (await readdir(path)).filter((name) => extensionOf(name) === "json" && !name.startsWith(".")).sort();
  if (json.length === 1) return join(path, json[0]!);
  throw new UsageError(`${path}: a folder with ${json.length === 0 ? "no .json file" : `${json.length} .json files (${json.join(", ")})`}; give the COCO annotation file itself`);
}

async function readJson(path: string): Promise<JsonRecord> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`${path}: cannot read the COCO annotation file (${(error as Error).message})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(doc)) throw new UsageError(`${path}: not a COCO annotation file (the top level is not a JSON object)`);
  return doc;
}

/** Annotations that hold captions (`caption`), as COCO's captions files do, and no category. */
function isCaptions(annotations: unknown): boolean {
  return Array.isArray(annotations) && annotations.length > 0 && annotations.every((entry) => isRecord(entry) && typeof entry.caption === "string" && entry.category_id === undefined);
}

function arrayField(path: string, doc: JsonRecord, field: string): unknown[] {
  const value = doc[field];
  if (!Array.isArray(value)) throw new UsageError(`${path}: not a COCO annotation file (no "${field}" array)`);
  return value;
}

function idText(value: unknown): string | undefined {
  return typeof value === "number" || typeof value === "string" ? String(value) : undefined;
}

function readImages(path: string, doc: JsonRecord, index: RegionIndex): Map<string, CocoImage> {
  const images = new Map<string, CocoImage>();
  for (const [position, entry] of arrayField(path, doc, "images").entries()) {
    const id = isRecord(entry) ? idText(entry.id) : undefined;
    const origin = `${path}: image ${id ?? `at index ${position}`}`;
    if (!isRecord(entry) || id === undefined) {
      index.problem(origin, "an image entry without an id");
      continue;
    }
    if (typeof entry.file_name !== "string" || entry.file_name.trim() === "") {
      index.problem(origin, "no file_name");
      continue;
    }
    if (images.has(id)) {
      index.problem(origin, `a second image with id ${id} (${entry.file_name}); the first (${images.get(id)!.fileName}) is kept`);
      continue;
    }
    const { width, height } = entry;
    const size = isFiniteNumber(width) && isFiniteNumber(height) && width > 0 && height > 0 ? { width, height } : undefined;
    images.set(id, { fileName: entry.file_name, size });
  }
  return images;
}

function readCategories(path: string, doc: JsonRecord, index: RegionIndex): Map<string, string> {
  const categories = new Map<string, string>();
  for (const [position, entry] of arrayField(path, doc, "categories").entries()) {
    const id = isRecord(entry) ? idText(entry.id) : undefined;
    const origin = `${path}: category ${id ?? `at index ${position}`}`;
    if (!isRecord(entry) || id === undefined) index.problem(origin, "a category without an id");
    else if (typeof entry.name !== "string" || entry.name.trim() === "") index.problem(origin, "a category without a name");
    else if (categories.has(id)) index.problem(origin, `a second category with id ${id} ("${entry.name}"); the first ("${categories.get(id)!}") is kept`);
    else categories.set(id, entry.name);
  }
  return categories;
}

function readAnnotation(
  path: string,
  position: number,
  entry: unknown,
  images: ReadonlyMap<string, CocoImage>,
  categories: ReadonlyMap<string, string>,
  index: RegionIndex,
): void {
  const id = isRecord(entry) ? idText(entry.id) : undefined;
  const origin = `${path}: annotation ${id ?? `at index ${position}`}`;
  if (!isRecord(entry)) return index.problem(origin, "not a JSON object");
  const imageId = idText(entry.image_id);
  const image = imageId === undefined ? undefined : images.get(imageId);
  if (!image) return index.problem(origin, `image_id ${show(entry.image_id)} is not among the images`);
  const categoryId = idText(entry.category_id);
  const concept = categoryId === undefined ? undefined : categories.get(categoryId);
  if (concept === undefined) return index.problem(origin, `category_id ${show(entry.category_id)} is not among the categories`);

  const segmentation = entry.segmentation;
  const box = entry.bbox === undefined ? undefined : readBox(entry.bbox);
  if (box === null) index.problem(origin, `bbox ${show(entry.bbox)} is not [x, y, width, height]`);
  // The concept id as Clarifai's COCO loaders make it: the category name lower-cased.
  const base = { concept, conceptId: conceptId(concept.toLowerCase()), ...(image.size ? { imageSize: image.size } : {}) };
  if (isRecord(segmentation)) {
    const mask = readRle(segmentation);
    if (typeof mask === "string") return index.problem(origin, mask);
    return index.add(image.fileName, { ...base, mask, ...(box ? { box } : {}), origin });
  }
  const polygons = readPolygons(segmentation, origin, index);
  if (!box && polygons.length === 0) {
    if (box !== null) index.problem(origin, "neither a bbox nor a polygon segmentation");
    return;
  }
  const first: PixelRegion = { ...base, origin };
  if (box) first.box = box;
  if (polygons[0]) first.polygon = polygons[0].points;
  index.add(image.fileName, first);
  for (const { points, part } of polygons.slice(1)) {
    index.add(image.fileName, { ...base, polygon: points, origin: `${origin}, polygon ${part}` });
  }
}

/** A box, or null when the value is not [x, y, width, height]. */
function readBox(value: unknown): PixelBox | null {
  if (!Array.isArray(value) || value.length !== 4 || !value.every(isFiniteNumber)) return null;
  const [x, y, width, height] = value as [number, number, number, number];
  return { x, y, width, height };
}

/** The polygon parts of a segmentation ([[x1, y1, ...], ...], or one flat [x1, y1, ...]), numbered from 1. */
function readPolygons(segmentation: unknown, origin: string, index: RegionIndex): Array<{ points: PixelPoint[]; part: number }> {
  if (segmentation === undefined || segmentation === null) return [];
  if (!Array.isArray(segmentation)) {
    index.problem(origin, `segmentation ${show(segmentation)} is neither polygons nor RLE`);
    return [];
  }
  const parts: unknown[] = segmentation.every(isFiniteNumber) && segmentation.length > 0 ? [segmentation] : segmentation;
  const polygons: Array<{ points: PixelPoint[]; part: number }> = [];
  for (const [part, coordinates] of parts.entries()) {
    const where = parts.length > 1 ? ` (polygon ${part + 1})` : "";
    if (!Array.isArray(coordinates) || !coordinates.every(isFiniteNumber)) {
      index.problem(origin, `segmentation${where} is not a list of numbers [x1, y1, x2, y2, ...]`);
    } else if (coordinates.length % 2 !== 0) {
      index.problem(origin, `segmentation${where} has an odd count of numbers (${coordinates.length}): not x, y pairs`);
    } else {
      const points: PixelPoint[] = [];
      for (let i = 0; i < coordinates.length; i += 2) points.push({ x: coordinates[i]!, y: coordinates[i + 1]! });
      polygons.push({ points, part: part + 1 });
    }
  }
  return polygons;
}
