import type { InputKind } from "../validate/limits.js";
import type { GeoPoint } from "./candidate.js";
import { ConceptError, conceptOf, parseConceptList, type Concept } from "./concepts.js";

/** Why a manifest row is not used. Each is a stable reason code in reports and the job log. */
export type ManifestReason =
  | "unknown_type"
  | "bad_metadata"
  | "bad_geo"
  | "bad_concept"
  | "bad_id"
  | "duplicate_id"
  | "missing_file"
  | "ambiguous_file"
  | "no_content"
  | "ambiguous_content"
  | "bad_row"
  | "bad_csv";

/** A problem with one row: the row is rejected with this reason; the manifest goes on. */
export class RowProblem extends Error {
  constructor(
    readonly reason: ManifestReason,
    message: string,
  ) {
    super(message);
    this.name = "RowProblem";
  }
}

/** One piece of content a row names: a local file, a URL, or raw text. */
export interface ContentPart {
  readonly via: "file" | "url" | "text";
  readonly value: string;
  /** The kind the row (or an option) declares; for raw text always "text". */
  readonly kind?: InputKind;
}

/** What a row asks for, whatever the dialect that wrote it. */
export interface RowSpec {
  readonly id?: string;
  readonly content: ContentPart;
  /** Text sent with an image or video in the same input. */
  readonly prompt?: string;
  readonly concepts?: readonly Concept[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly geo?: GeoPoint;
  readonly datasetIds?: readonly string[];
}

/** The column dialects a manifest header can be written in. */
export type ManifestDialect = "simple" | "sdk" | "dotted";

/** Reads the rows of one header's dialect. */
export interface RowReader {
  readonly dialect: ManifestDialect;
  /** The row's explicit input id (trimmed), if it gives one. */
  readId(cells: readonly string[]): string | undefined;
  /** Everything else the row says; throws a RowProblem for a bad row. `warn` is for oddities that do not stop it. */
  read(cells: readonly string[], warn: (message: string) => void): RowSpec;
}

export const INPUT_KINDS: readonly InputKind[] = ["image", "video", "audio", "text"];

export function isInputKind(value: string): value is InputKind {
  return (INPUT_KINDS as readonly string[]).includes(value);
}

/** A `type` cell: empty means "not said"; anything but the four kinds is `unknown_type`. */
export function parseKind(cell: string): InputKind | undefined {
  const value = cell.trim().toLowerCase();
  if (value === "") return undefined;
  if (isInputKind(value)) return value;
  throw new RowProblem("unknown_type", `type ${JSON.stringify(cell)} is not one of ${INPUT_KINDS.join(", ")}`);
}

/** A comma-separated list: items trimmed, empty items dropped, repeats dropped. */
export function parseList(cell: string): string[] {
  return [...new Set(cell.split(",").map((item) => item.trim()).filter((item) => item !== ""))];
}

/**
 * A concepts cell: in the simple dialect `name[:value]` items (`cat:0.8;dog:0`), in the
 * Python SDK's CSV plain comma-separated labels (value 1, as the SDK sends them).
 * Undefined when the cell is empty; a bad value is `bad_concept`.
 */
export function parseConceptsCell(cell: string, withValues: boolean): Concept[] | undefined {
  try {
    const concepts = withValues ? parseConceptList(cell) : parseList(cell).map((name) => conceptOf(name));
    return concepts.length > 0 ? concepts : undefined;
  } catch (error) {
    if (error instanceof ConceptError) throw new RowProblem("bad_concept", error.message);
    throw error;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A metadata cell: a JSON object. With `singleQuotes`, a cell that is not JSON is read
 * again with its single quotes turned into double quotes, as the Python SDK reads
 * `{'source': 'web'}`.
 */
export function parseMetadata(cell: string, singleQuotes = false): Record<string, unknown> | undefined {
  if (cell.trim() === "") return undefined;
  let parsed = tryJson(cell);
  if (parsed === undefined && singleQuotes) parsed = tryJson(cell.replace(/'/g, '"'));
  if (parsed === undefined) throw new RowProblem("bad_metadata", `metadata is not valid JSON: ${preview(cell)}`);
  if (!isPlainObject(parsed)) throw new RowProblem("bad_metadata", `metadata must be a JSON object, not ${preview(cell)}`);
  return parsed;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A number cell for a coordinate; empty means absent. */
function parseCoordinate(cell: string, name: string): number | undefined {
  const text = cell.trim();
  if (text === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new RowProblem("bad_geo", `${name} ${JSON.stringify(cell)} is not a number`);
  return value;
}

/** Longitude and latitude cells: both or neither, within -180..180 and -90..90. */
export function parseGeo(lonCell: string, latCell: string): GeoPoint | undefined {
  const longitude = parseCoordinate(lonCell, "longitude");
  const latitude = parseCoordinate(latCell, "latitude");
  if (longitude === undefined && latitude === undefined) return undefined;
  if (longitude === undefined || latitude === undefined) {
    throw new RowProblem("bad_geo", `a geo point needs both longitude and latitude (got ${longitude === undefined ? "latitude" : "longitude"} only)`);
  }
  if (longitude < -180 || longitude > 180) throw new RowProblem("bad_geo", `longitude ${longitude} is outside -180..180`);
  if (latitude < -90 || latitude > 90) throw new RowProblem("bad_geo", `latitude ${latitude} is outside -90..90`);
  return { longitude, latitude };
}

function preview(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

/**
 * The one content a row names. Raw text beside a file or URL of an image or video (or of
 * a kind left to sniffing) is that input's prompt: a multimodal [image|video, text] input.
 * Anything else with more than one content is ambiguous.
 */
export function resolveContent(parts: readonly ContentPart[]): { content: ContentPart; prompt?: string } {
  if (parts.length === 0) throw new RowProblem("no_content", "the row has no file, url or text");
  if (parts.length === 1) return { content: parts[0] as ContentPart };
  const texts = parts.filter((part) => part.via === "text");
  const others = parts.filter((part) => part.via !== "text");
  const names = parts.map(describePart).join(" and ");
  if (texts.length !== 1 || others.length !== 1) throw new RowProblem("ambiguous_content", `the row has ${names}; give one of them (or an image or video with a text prompt)`);
  const [content, text] = [others[0] as ContentPart, texts[0] as ContentPart];
  if (content.kind === "audio" || content.kind === "text") {
    throw new RowProblem("ambiguous_content", `the row has ${names}; a text prompt goes only with an image or a video, not ${content.kind}`);
  }
  return { content, prompt: text.value };
}

function describePart(part: ContentPart): string {
  if (part.via === "text") return "text";
  return part.kind ? `a ${part.via} (${part.kind})` : `a ${part.via}`;
}
