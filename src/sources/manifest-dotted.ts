import { UsageError } from "../errors.js";
import type { InputKind } from "../validate/limits.js";
import type { GeoPoint } from "./candidate.js";
import { ConceptError, conceptOf, mergeConcepts, type Concept } from "./concepts.js";
import { type ContentPart, type RowReader, RowProblem, isPlainObject, parseGeo, parseMetadata, resolveContent } from "./manifest-fields.js";
import { type CheckedPath, type FieldSchema, assignPath, checkPath, formatPath, free, list, object, parsePath, scalar } from "./manifest-paths.js";

const MEDIA = object({ url: scalar, base64: scalar });

/**
 * The fields of a platform `Input` that a dotted column may name, in the platform's
 * snake_case field names (camelCase is read too). `metadata` takes a JSON object, or
 * any key path below it.
 */
export const INPUT_SCHEMA: FieldSchema = object({
  input: object({
    id: scalar,
    dataset_ids: list(scalar),
    data: object({
      image: MEDIA,
      video: MEDIA,
      audio: MEDIA,
      text: object({ raw: scalar, url: scalar }),
      concepts: list(object({ id: scalar, name: scalar, value: scalar })),
      metadata: free,
      geo: object({ geo_point: object({ longitude: scalar, latitude: scalar }) }),
    }),
  }),
});

/** A header cell in this dialect: `input.` or `input[` at its start. */
export function isDottedColumn(name: string): boolean {
  return /^input[.[]/i.test(name.trim());
}

interface Column {
  readonly at: number;
  readonly path: CheckedPath;
}

/**
 * Rows whose columns are field paths of a platform Input (`input.data.image.url`,
 * `input.data.concepts[0].id`, ...). Each row's cells are put together into one nested
 * object by their paths, and the Input's fields are read from that object.
 * Throws a UsageError naming the first column that is not such a path.
 */
export function dottedReader(header: readonly string[]): RowReader {
  const columns = checkColumns(header);
  const idColumn = columns.find((column) => formatPath(column.path.segments) === "input.id");
  return {
    dialect: "dotted",
    readId: (cells) => (idColumn ? (cells[idColumn.at] ?? "").trim() || undefined : undefined),
    read(cells, warn) {
      return readInput(buildRow(columns, cells), warn);
    },
  };
}

function checkColumns(header: readonly string[]): Column[] {
  const columns: Column[] = [];
  const seen = new Map<string, string>();
  for (const [at, name] of header.entries()) {
    if (name.trim() === "") continue;
    const segments = parsePath(name.trim());
    const checked = segments ? checkPath(INPUT_SCHEMA, segments) : `it is not a dotted field path`;
    if (typeof checked === "string") throw new UsageError(`manifest column ${JSON.stringify(name)}: ${checked}`);
    const key = formatPath(checked.segments);
    const earlier = seen.get(key);
    if (earlier !== undefined) throw new UsageError(`manifest columns ${JSON.stringify(earlier)} and ${JSON.stringify(name)} name the same field`);
    seen.set(key, name);
    columns.push({ at, path: checked });
  }
  // Shorter paths first: a whole-metadata JSON cell is laid down before the keys that refine it.
  return columns.sort((a, b) => a.path.segments.length - b.path.segments.length);
}

/** The row as one nested object; empty cells are absent fields. */
function buildRow(columns: readonly Column[], cells: readonly string[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const { at, path } of columns) {
    const value = cells[at] ?? "";
    if (value.trim() === "") continue;
    assignPath(root, path.segments, path.cell === "json" ? parseMetadata(value) : value);
  }
  return root;
}

function readInput(root: Record<string, unknown>, warn: (message: string) => void): ReturnType<RowReader["read"]> {
  const input = field(root, "input");
  const data = field(input, "data");
  const { content, prompt } = resolveContent(contentParts(data, warn));
  const metadata = data["metadata"];
  return {
    content,
    prompt,
    concepts: readConcepts(data["concepts"]),
    metadata: isPlainObject(metadata) && Object.keys(metadata).length > 0 ? metadata : undefined,
    geo: readGeo(data),
    datasetIds: readStrings(input["dataset_ids"]),
  };
}

function field(parent: Record<string, unknown>, name: string): Record<string, unknown> {
  const value = parent[name];
  return isPlainObject(value) ? value : {};
}

function text(parent: Record<string, unknown>, name: string): string | undefined {
  const value = parent[name];
  return typeof value === "string" ? value : undefined;
}

const MEDIA_KINDS: readonly InputKind[] = ["image", "video", "audio"];

function contentParts(data: Record<string, unknown>, warn: (message: string) => void): ContentPart[] {
  const parts: ContentPart[] = [];
  for (const kind of MEDIA_KINDS) {
    const media = field(data, kind);
    const url = text(media, "url")?.trim();
    if (url) parts.push({ via: "url", value: url, kind });
    if (text(media, "base64") !== undefined) warn(`input.data.${kind}.base64 is not read from manifests; give a url or use the simple dialect's file column`);
  }
  const textField = field(data, "text");
  const raw = text(textField, "raw");
  const url = text(textField, "url")?.trim();
  if (url) parts.push({ via: "url", value: url, kind: "text" });
  if (raw !== undefined) parts.push({ via: "text", value: raw, kind: "text" });
  return parts;
}

/**
 * The row's concepts with their values: `.id` (or `.name`) and `.value` (1 when not
 * given; 0 is a negative concept). A value outside 0..1 rejects the row (`bad_concept`).
 */
function readConcepts(value: unknown): Concept[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const concepts: Concept[] = [];
  for (const [at, item] of value.entries()) {
    if (!isPlainObject(item)) continue;
    const id = text(item, "id")?.trim();
    const name = text(item, "name")?.trim() || id;
    if (!name) throw new RowProblem("bad_concept", `input.data.concepts[${at}] has a value but no id`);
    const weight = conceptValue(text(item, "value"), at);
    try {
      concepts.push(conceptOf(name, weight, id));
    } catch (error) {
      if (error instanceof ConceptError) throw new RowProblem("bad_concept", `input.data.concepts[${at}]: ${error.message}`);
      throw error;
    }
  }
  const merged = mergeConcepts(concepts);
  return merged.length > 0 ? merged : undefined;
}

function conceptValue(cell: string | undefined, at: number): number {
  if (cell === undefined) return 1;
  const value = Number(cell.trim());
  if (cell.trim() === "" || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new RowProblem("bad_concept", `input.data.concepts[${at}].value ${JSON.stringify(cell)} is not a number from 0 to 1`);
  }
  return value;
}

function readGeo(data: Record<string, unknown>): GeoPoint | undefined {
  const point = field(field(data, "geo"), "geo_point");
  return parseGeo(text(point, "longitude") ?? "", text(point, "latitude") ?? "");
}

function readStrings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const strings = value.filter((item): item is string => typeof item === "string").map((item) => item.trim()).filter((item) => item !== "");
  return strings.length > 0 ? [...new Set(strings)] : undefined;
}
