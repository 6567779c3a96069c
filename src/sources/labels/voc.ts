/**
 * Pascal VOC: one XML file per image, in a folder (a VOC root's `Annotations/`, or the
 * folder given), read recursively:
 *   <annotation><filename>a.jpg</filename><size><width>W</width><height>H</height></size>
 *     <object><name>cat</name><bndbox><xmin/><ymin/><xmax/><ymax/></bndbox></object>...
 * Coordinates are VOC's 1-based pixel indices, made 0-based as Clarifai's VOC loader
 * makes them (`float(xmin) - 1`, and so for every edge), and concept ids are the names
 * lower-cased, as it makes them. Each image is keyed by its `<filename>`, under the
 * subfolder its XML file sits in (relative to the annotation folder); `<folder>` and
 * `<path>` are ignored, as they usually name the annotator's disk.
 */
import { readFile, readdir, stat } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { UsageError } from "../../errors.js";
import { conceptId } from "./concept-id.js";
import { isRecord } from "./json-shapes.js";
import { extensionOf, listFiles } from "./list-files.js";
import { RegionIndex } from "./region-index.js";
import type { PixelBox } from "./types.js";

export async function loadVoc(path: string): Promise<RegionIndex> {
  const { dir, files } = await annotationFiles(path);
  const index = new RegionIndex();
  const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: true, isArray: (_name, jpath) => jpath === "annotation.object" });
  for (const rel of files) {
    const file = join(dir, rel);
    index.file(file);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      index.problem(file, `cannot read it (${(error as Error).message})`);
      continue;
    }
    readVocFile(text, file, posix.dirname(rel), parser, index);
  }
  return index;
}

/** The folder the XML files are in and their paths relative to it. */
async function annotationFiles(path: string): Promise<{ dir: string; files: string[] }> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError(`${path}: cannot read the Pascal VOC annotations (${(error as Error).message})`);
  }
  if (!isDir) return { dir: dirname(path), files: [posix.basename(path.replace(/\\/g, "/"))] };
  const entries = await readdir(path, { withFileTypes: true });
  const dir = entries.some((entry) => entry.isDirectory() && entry.name === "Annotations") ? join(path, "Annotations") : path;
  const files = await listFiles(dir, (name) => extensionOf(name) === "xml");
  if (files.length === 0) throw new UsageError(`${dir}: no .xml files (Pascal VOC annotations)`);
  return { dir, files };
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function readVocFile(xml: string, file: string, subdir: string, parser: XMLParser, index: RegionIndex): void {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return index.problem(file, `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`);
  const doc: unknown = parser.parse(xml);
  const root = isRecord(doc) ? doc.annotation : undefined;
  if (!isRecord(root)) return index.problem(file, "not a Pascal VOC annotation (no <annotation> element)");
  const filename = text(root.filename)?.trim();
  if (!filename) return index.problem(file, "no <filename>: the image it annotates is unknown");
  const imagePath = subdir === "." ? filename : `${subdir}/${filename}`;
  const imageSize = sizeOf(root.size);
  const objects = Array.isArray(root.object) ? root.object : [];
  for (const [position, object] of objects.entries()) {
    const name = isRecord(object) ? text(object.name)?.trim() : undefined;
    const origin = `${file}: object ${position + 1}${name ? ` (${name})` : ""}`;
    if (!isRecord(object)) {
      index.problem(origin, "an empty <object>");
      continue;
    }
    const box = readBox(object.bndbox);
    if (typeof box === "string") {
      index.problem(origin, box);
      continue;
    }
    index.add(imagePath, { concept: name ?? "", ...(name ? { conceptId: conceptId(name.toLowerCase()) } : {}), box, ...(imageSize ? { imageSize } : {}), origin });
  }
}

/** `<size>` when it gives a usable width and height (some tools write 0 when they do not know). */
function sizeOf(size: unknown): { width: number; height: number } | undefined {
  if (!isRecord(size)) return undefined;
  const width = Number(text(size.width));
  const height = Number(text(size.height));
  return Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0 ? { width, height } : undefined;
}

/** The box of a `<bndbox>`, or why there is none. Degenerate boxes are left to the normalizer. */
function readBox(bndbox: unknown): PixelBox | string {
  if (!isRecord(bndbox)) return "no <bndbox>";
  const values: number[] = [];
  for (const edge of ["xmin", "ymin", "xmax", "ymax"]) {
    const raw = text(bndbox[edge]);
    const value = raw === undefined || raw.trim() === "" ? Number.NaN : Number(raw);
    if (!Number.isFinite(value)) return raw === undefined ? `<bndbox> has no <${edge}>` : `<bndbox> <${edge}> "${raw}" is not a number`;
    values.push(value);
  }
  const [xmin, ymin, xmax, ymax] = values as [number, number, number, number];
  return { x: xmin - 1, y: ymin - 1, width: xmax - xmin, height: ymax - ymin };
}
