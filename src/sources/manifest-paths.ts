/**
 * Dotted field paths as column names (`input.data.concepts[0].id`): parsing them, checking
 * them against a schema of the fields we read, and building a nested object from a row.
 */

export type PathSegment = string | number;

/** What a schema allows at a point of a path. */
export type FieldSchema =
  /** One value, the end of a path. */
  | { readonly type: "scalar" }
  /** Free-form keys below (metadata); a cell naming this point itself holds a JSON object. */
  | { readonly type: "free" }
  | { readonly type: "object"; readonly fields: Readonly<Record<string, FieldSchema>> }
  | { readonly type: "list"; readonly item: FieldSchema };

export const scalar: FieldSchema = { type: "scalar" };
export const free: FieldSchema = { type: "free" };
export const object = (fields: Record<string, FieldSchema>): FieldSchema => ({ type: "object", fields });
export const list = (item: FieldSchema): FieldSchema => ({ type: "list", item });

/** How a cell at a checked path is read. */
export type CellKind = "scalar" | "json";

export interface CheckedPath {
  /** Schema names in snake_case (`geoPoint` is `geo_point`); free-form keys as written. */
  readonly segments: readonly PathSegment[];
  readonly cell: CellKind;
}

/** A list index beyond this is taken for a mistake, not a spreadsheet with that many columns. */
const MAX_INDEX = 9999;

/** `a.b[2].c` -> ["a", "b", 2, "c"]; undefined when it is not a dotted path. */
export function parsePath(text: string): PathSegment[] | undefined {
  const segments: PathSegment[] = [];
  for (const part of text.split(".")) {
    const match = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) return undefined;
    segments.push(match[1] as string);
    for (const index of (match[2] ?? "").matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

/** The schema's spelling of a field name: `geoPoint` and `GEO_POINT` are `geo_point`. */
export function snakeCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}

/** Checks a parsed path against the schema; the error text says what is wrong with it. */
export function checkPath(schema: FieldSchema, segments: readonly PathSegment[]): CheckedPath | string {
  const normalized: PathSegment[] = [];
  let node = schema;
  for (const [at, segment] of segments.entries()) {
    if (node.type === "free") return { segments: [...normalized, ...segments.slice(at)], cell: "scalar" };
    if (node.type === "scalar") return `${formatPath(normalized)} has no fields`;
    if (node.type === "list") {
      if (typeof segment !== "number") return `${formatPath(normalized)} is a list: index it, as ${formatPath(normalized)}[0]`;
      if (segment > MAX_INDEX) return `index ${segment} of ${formatPath(normalized)} is above ${MAX_INDEX}`;
      normalized.push(segment);
      node = node.item;
      continue;
    }
    if (typeof segment === "number") return `${formatPath(normalized)} is not a list`;
    const name = snakeCase(segment);
    const next = node.fields[name];
    if (!next) return `${formatPath([...normalized, segment])} is not a field we read (${formatPath(normalized) || "the top"} has ${Object.keys(node.fields).join(", ")})`;
    normalized.push(name);
    node = next;
  }
  if (node.type === "scalar") return { segments: normalized, cell: "scalar" };
  if (node.type === "free") return { segments: normalized, cell: "json" };
  return `${formatPath(normalized)} is ${node.type === "list" ? "a list" : "an object"}: name one of its fields`;
}

export function formatPath(segments: readonly PathSegment[]): string {
  return segments.map((segment, at) => (typeof segment === "number" ? `[${segment}]` : at === 0 ? segment : `.${segment}`)).join("");
}

type Container = Record<string, unknown> | unknown[];

/**
 * Sets `value` at `segments` below `root`, making objects (and arrays for numeric
 * segments) on the way. Two objects meeting at one place are merged; otherwise the later
 * value wins. Keys are defined, never assigned, so a `__proto__` key is just a key.
 */
export function assignPath(root: Record<string, unknown>, segments: readonly PathSegment[], value: unknown): void {
  let node: Container = root;
  for (const [at, segment] of segments.entries()) {
    const last = at === segments.length - 1;
    const existing = read(node, segment);
    if (last) {
      write(node, segment, isRecord(existing) && isRecord(value) ? mergeRecords(existing, value) : value);
      return;
    }
    const wantsArray = typeof segments[at + 1] === "number";
    if (wantsArray ? Array.isArray(existing) : isRecord(existing)) {
      node = existing as Container;
      continue;
    }
    const created: Container = wantsArray ? [] : {};
    write(node, segment, created);
    node = created;
  }
}

function read(node: Container, segment: PathSegment): unknown {
  if (Array.isArray(node)) return typeof segment === "number" ? node[segment] : undefined;
  return Object.prototype.hasOwnProperty.call(node, segment) ? node[String(segment)] : undefined;
}

function write(node: Container, segment: PathSegment, value: unknown): void {
  if (Array.isArray(node) && typeof segment === "number") node[segment] = value;
  else Object.defineProperty(node, String(segment), { value, writable: true, enumerable: true, configurable: true });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function mergeRecords(into: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(from)) {
    const existing = read(into, key);
    write(into, key, isRecord(existing) && isRecord(value) ? mergeRecords(existing, value) : value);
  }
  return into;
}
