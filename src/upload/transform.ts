import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UsageError } from "../errors.js";
import { isValidInputId } from "../plan/ids.js";
import type { ByteSource, Candidate, GeoPoint } from "../sources/candidate.js";
import { ConceptError, conceptOf, mergeConcepts, type Concept } from "../sources/concepts.js";
import type { InputKind } from "../validate/limits.js";
import { isInputKind } from "../sources/manifest-fields.js";
import type { Accepted } from "../validate/validate.js";
import { conceptsFor, metadataFor, type InputDefaults } from "./request.js";

/** What a user's transform function receives, and may return changed. */
export interface TransformInput {
  id: string;
  type: InputKind;
  /** Where the input came from (a path, `archive.zip:entry`, `list.csv:12` or a URL). */
  source: string;
  /** The file's bytes, for image, video and audio files. */
  bytes?: Buffer;
  /** The text, for text inputs. */
  text?: string;
  /** The URL, for inputs sent by URL. */
  url?: string;
  /**
   * Concepts with values, handed over as `{id, name, value}` (1 present, 0 a negative
   * concept); a transform may return plain names (value 1) or objects without an id.
   */
  concepts: Array<string | TransformConcept>;
  metadata: Record<string, unknown>;
  geo?: GeoPoint;
}

/** A concept as a transform may return it: a name or an id, and a value (1 unless given). */
export interface TransformConcept {
  id?: string;
  name?: string;
  value?: number;
}

export type TransformFunction = (input: TransformInput) => TransformInput | null | undefined | Promise<TransformInput | null | undefined>;

/** The outcome of transforming one input. */
export type Transformed = { kind: "keep"; candidate: Candidate; id: string } | { kind: "skip" } | { kind: "error"; message: string };

/** Loads `--transform MODULE`: its default export, or an export named `transform`. */
export async function loadTransform(path: string): Promise<TransformFunction> {
  let module: Record<string, unknown>;
  if (!existsSync(resolve(path))) throw new UsageError(`--transform ${path}: no such file`);
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`--transform ${path}: cannot load it: ${(error as Error).message}`);
  }
  const fn = module.default ?? module.transform;
  if (typeof fn !== "function") throw new UsageError(`--transform ${path}: export a function as default or as "transform"`);
  return fn as TransformFunction;
}

/**
 * Runs the transform on one accepted input. A changed input comes back as a new
 * candidate (bytes and text held in memory) that the caller validates again.
 */
export async function applyTransform(fn: TransformFunction, accepted: Accepted, id: string, defaults: InputDefaults): Promise<Transformed> {
  const { candidate, kind } = accepted;
  const planned = { id, accepted, requestBytes: 0 };
  let input: TransformInput;
  try {
    input = { id, type: kind, source: candidate.source, concepts: conceptsFor(planned, defaults), metadata: metadataFor(candidate, defaults), geo: candidate.geo ?? defaults.geo };
    const content = candidate.content;
    if (content.kind === "url") input.url = content.url;
    else if (content.kind === "text") input.text = content.text;
    else if (kind === "text") input.text = (await content.bytes.all()).toString("utf8");
    else input.bytes = await content.bytes.all();
  } catch (error) {
    return { kind: "error", message: `${candidate.source}: cannot read it for the transform: ${(error as Error).message}` };
  }
  let output: TransformInput | null | undefined;
  try {
    output = await fn(input);
  } catch (error) {
    return { kind: "error", message: `${candidate.source}: transform failed: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (output === null || output === undefined) return { kind: "skip" };
  const wrong = shapeProblem(output);
  if (wrong !== undefined) return { kind: "error", message: `${candidate.source}: the transform returned ${wrong}` };
  if (output.bytes !== undefined && !Buffer.isBuffer(output.bytes)) output = { ...output, bytes: Buffer.from(output.bytes) };
  if (!isValidInputId(output.id)) return { kind: "error", message: `${candidate.source}: transform returned the id "${output.id}", which the platform refuses` };
  let concepts: Concept[];
  try {
    concepts = conceptsOf(output.concepts);
  } catch (error) {
    if (!(error instanceof ConceptError)) throw error;
    return { kind: "error", message: `${candidate.source}: the transform returned a bad concept: ${error.message}` };
  }
  return { kind: "keep", id: output.id, candidate: { ...candidate, content: contentOf(output, candidate), concepts, metadata: output.metadata, geo: output.geo ?? undefined, finalData: true } };
}

/**
 * What is wrong with what a transform returned, in words, if anything: it is the user's
 * code, and what it hands back goes into a request as it is.
 */
function shapeProblem(output: unknown): string | undefined {
  if (typeof output !== "object" || Array.isArray(output)) return `${describe(output)}, not an input object (or null to leave it out)`;
  const { id, type, bytes, text, url, metadata, geo } = output as Record<string, unknown>;
  if (typeof id !== "string") return `an id that is ${describe(id)}, not a string`;
  if (type !== undefined && (typeof type !== "string" || !isInputKind(type))) return `the type ${describe(type)}, not one of image, video, audio, text`;
  if (bytes !== undefined && !(bytes instanceof Uint8Array)) return `bytes that are ${describe(bytes)}, not a Buffer or Uint8Array`;
  if (text !== undefined && typeof text !== "string") return `a text that is ${describe(text)}, not a string`;
  if (url !== undefined && typeof url !== "string") return `a url that is ${describe(url)}, not a string`;
  if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) return `metadata that is ${describe(metadata)}, not an object`;
  if (metadata !== undefined && !isJsonValue(metadata, new Set())) return "metadata that JSON cannot hold (a function, a BigInt, a number that is not finite, a cycle)";
  if (geo !== undefined && geo !== null && !isGeoPoint(geo)) return `the geo point ${describe(geo)}, not {longitude: -180..180, latitude: -90..90}`;
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "bytes";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function isJsonValue(value: unknown, seen: Set<object>): boolean {
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (typeof value !== "object" || seen.has(value)) return false;
  seen.add(value);
  // A field left undefined is left out, as JSON leaves it out.
  const fine = Array.isArray(value) ? value.every((item) => isJsonValue(item, seen)) : Object.values(value).every((item) => item === undefined || isJsonValue(item, seen));
  seen.delete(value);
  return fine;
}

function isGeoPoint(geo: unknown): boolean {
  if (typeof geo !== "object" || geo === null) return false;
  const { longitude, latitude } = geo as { longitude?: unknown; latitude?: unknown };
  return typeof longitude === "number" && typeof latitude === "number" && Math.abs(longitude) <= 180 && Math.abs(latitude) <= 90;
}

/** What a transform returned as concepts: names (value 1) or `{name, id?, value?}`. */
function conceptsOf(returned: unknown): Concept[] {
  if (returned === undefined || returned === null) return [];
  if (!Array.isArray(returned)) throw new ConceptError(`"concepts" must be a list, not ${JSON.stringify(returned)}`);
  return mergeConcepts(
    returned.map((item: unknown) => {
      if (typeof item === "string") return conceptOf(item);
      if (typeof item !== "object" || item === null) throw new ConceptError(`${JSON.stringify(item)} is neither a name nor {name, value}`);
      const { id, name, value } = item as { id?: unknown; name?: unknown; value?: unknown };
      const label = typeof name === "string" && name.trim() !== "" ? name : typeof id === "string" ? id : "";
      if (value !== undefined && typeof value !== "number") throw new ConceptError(`concept ${JSON.stringify(label)} has value ${JSON.stringify(value)}, not a number from 0 to 1`);
      return conceptOf(label, value ?? 1, typeof id === "string" && id.trim() !== "" ? id.trim() : undefined);
    }),
  );
}

function contentOf(output: TransformInput, original: Candidate): Candidate["content"] {
  if (output.url !== undefined) return { kind: "url", url: output.url, declaredKind: output.type };
  if (output.bytes !== undefined) return { kind: "bytes", bytes: memoryBytes(output.bytes), declaredKind: output.type };
  if (output.text !== undefined) {
    return original.content.kind === "text" ? { kind: "text", text: output.text } : { kind: "bytes", bytes: memoryBytes(Buffer.from(output.text, "utf8")), declaredKind: "text" };
  }
  return original.content;
}

function memoryBytes(bytes: Buffer): ByteSource {
  return {
    size: bytes.length,
    head: async (length) => bytes.subarray(0, length),
    all: async () => bytes,
    readInto: async (target) => void bytes.copy(target),
    async *chunks() {
      yield bytes;
    },
  };
}
