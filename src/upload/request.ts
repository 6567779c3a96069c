import { posix } from "node:path";
import { layOutPostInputsRequest, type EncodedPostInputs, type InputLayout, type MediaKind } from "../api/post-inputs-request.js";
import { Input, type Data, type DeepPartial } from "../gen/clarifai/api/resources.js";
import type { PostInputsRequest } from "../gen/clarifai/api/service.js";
import type { GeoPoint } from "../sources/candidate.js";
import type { PlannedInput } from "../plan/batcher.js";
import { conceptId } from "../sources/labels/concept-id.js";

/** What every input of a run carries besides its content. */
export interface InputDefaults {
  datasetId?: string;
  concepts: readonly string[];
  labelsFromFolder: boolean;
  metadata: Readonly<Record<string, unknown>>;
  geo?: GeoPoint;
  allowDuplicateUrl: boolean;
}

/** Concepts of one input: the run's, the candidate's own, and its folder's name with --labels-from-folder. */
export function conceptsFor(input: PlannedInput, defaults: InputDefaults): string[] {
  const { candidate } = input.accepted;
  if (candidate.finalData) return [...(candidate.concepts ?? [])];
  const concepts = new Set([...defaults.concepts, ...(candidate.concepts ?? [])]);
  if (defaults.labelsFromFolder) {
    const folder = posix.basename(posix.dirname(candidate.relPath));
    if (folder !== "" && folder !== ".") concepts.add(folder);
  }
  return [...concepts];
}

/** `{"filename", "path"}` under the run's --metadata under the candidate's own metadata. */
export function metadataFor(input: PlannedInput, defaults: InputDefaults): Record<string, unknown> {
  const { candidate } = input.accepted;
  if (candidate.finalData) return { ...(candidate.metadata ?? {}) };
  const base = candidate.content.kind === "bytes" ? { filename: posix.basename(candidate.relPath), path: candidate.relPath } : {};
  return { ...base, ...defaults.metadata, ...(candidate.metadata ?? {}) };
}

/**
 * The PostInputs message for one input, without its media bytes: they are read into the
 * encoded request (see `encodeBatch`). `fileText` is the content of a text file.
 */
function buildInput(input: PlannedInput, defaults: InputDefaults, fileText = ""): Input {
  const { candidate, kind } = input.accepted;
  const data: DeepPartial<Data> = {
    // Labels from folders, sidecars and manifests may hold spaces or accents: the id is
    // made safe, the label itself stays the concept's name.
    concepts: conceptsFor(input, defaults).map((name) => ({ id: conceptId(name), name, value: 1 })),
    metadata: metadataFor(input, defaults),
  };
  const geo = candidate.finalData ? candidate.geo : (candidate.geo ?? defaults.geo);
  if (geo) data.geo = { geoPoint: { longitude: geo.longitude, latitude: geo.latitude } };
  const content = candidate.content;
  if (content.kind === "url") data[kind] = { url: content.url, allowDuplicateUrl: defaults.allowDuplicateUrl };
  else if (content.kind === "text") data.text = { raw: content.text };
  else if (kind === "text") data.text = { raw: fileText };
  else data[kind] = {};
  if (candidate.prompt !== undefined && kind !== "text") data.text = { raw: candidate.prompt };
  const datasetIds = [...new Set([...(defaults.datasetId ? [defaults.datasetId] : []), ...(candidate.datasetIds ?? [])])];
  return Input.fromPartial({ id: input.id, data, datasetIds });
}

/** A batch's PostInputs request, encoded, with the inputs it holds and those whose files could not be read. */
export interface EncodedBatch {
  request: EncodedPostInputs;
  /** Each input the request holds, with its index in `request`. */
  entries: Array<{ input: PlannedInput; index: number }>;
  unreadable: Array<{ input: PlannedInput; message: string }>;
}

/**
 * Encodes a batch's request and reads each file straight into its place in it, so the
 * request is the only copy of the files in memory. An input whose file cannot be read
 * is left out of the request, not the batch's other inputs.
 */
export async function encodeBatch(
  inputs: readonly PlannedInput[],
  defaults: InputDefaults,
  header: Omit<PostInputsRequest, "inputs">,
  allocate?: (size: number) => Buffer,
): Promise<EncodedBatch> {
  // Text files become a string in the message, so they are read before it is built.
  const mediaKinds = inputs.map(mediaKindOf);
  const texts = await Promise.all(inputs.map((input, index) => (mediaKinds[index] ? undefined : readText(input))));
  const layouts = inputs.map((input, index): InputLayout => {
    const text = texts[index];
    const message = buildInput(input, defaults, typeof text === "string" ? text : "");
    const kind = mediaKinds[index];
    return kind ? { message, media: { kind, size: input.accepted.size } } : { message };
  });
  const request = layOutPostInputsRequest(header, layouts, allocate);
  const reads = await Promise.all(inputs.map((input, index) => (mediaKinds[index] ? readInto(input, request.mediaSlot(index)) : texts[index])));
  const batch: EncodedBatch = { request, entries: [], unreadable: [] };
  inputs.forEach((input, index) => {
    const problem = reads[index];
    if (problem instanceof Error) batch.unreadable.push({ input, message: `${input.accepted.candidate.source}: ${problem.message}` });
    else batch.entries.push({ input, index });
  });
  return batch;
}

/** The kind of an image, video or audio file: bytes that go into the request as they are. */
function mediaKindOf(input: PlannedInput): MediaKind | undefined {
  const kind = input.accepted.kind;
  return input.accepted.candidate.content.kind === "bytes" && kind !== "text" ? kind : undefined;
}

async function readText(input: PlannedInput): Promise<string | Error | undefined> {
  const content = input.accepted.candidate.content;
  if (content.kind !== "bytes") return undefined;
  try {
    return (await content.bytes.all()).toString("utf8");
  } catch (error) {
    return error as Error;
  }
}

async function readInto(input: PlannedInput, slot: Buffer): Promise<Error | undefined> {
  const content = input.accepted.candidate.content;
  if (content.kind !== "bytes") return undefined;
  try {
    await content.bytes.readInto(slot);
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
