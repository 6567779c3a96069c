import { posix } from "node:path";
import { isUtf8 } from "node:buffer";
import { layOutUploadInputs, type EncodedPostInputs, type UploadInput } from "../api/post-inputs-request.js";
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
 * One input as it is sent, without the bytes of its file: they are read into the encoded
 * request (see `encodeBatch`).
 */
function uploadInputOf(input: PlannedInput, defaults: InputDefaults): UploadInput {
  const { candidate, kind } = input.accepted;
  const content = candidate.content;
  const geo = candidate.finalData ? candidate.geo : (candidate.geo ?? defaults.geo);
  const datasetIds = candidate.datasetIds?.length ? [...new Set([...(defaults.datasetId ? [defaults.datasetId] : []), ...candidate.datasetIds])] : defaults.datasetId ? [defaults.datasetId] : [];
  return {
    id: input.id,
    datasetIds,
    // Labels from folders, sidecars and manifests may hold spaces or accents: the id is
    // made safe, the label itself stays the concept's name.
    concepts: conceptsFor(input, defaults).map((name) => ({ id: conceptId(name), name, value: 1 })),
    metadata: metadataFor(input, defaults),
    geo,
    content:
      content.kind === "url"
        ? { kind, url: content.url, allowDuplicateUrl: defaults.allowDuplicateUrl }
        : content.kind === "text"
          ? { kind: "text", raw: content.text }
          : { kind },
    prompt: kind !== "text" ? candidate.prompt : undefined,
    slotSize: content.kind === "bytes" ? input.accepted.size : undefined,
  };
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
  const request = layOutUploadInputs(header, inputs.map((input) => uploadInputOf(input, defaults)), allocate);
  const reads = await Promise.all(inputs.map((input, index) => (input.accepted.candidate.content.kind === "bytes" ? readInto(input, request.slot(index)) : undefined)));
  const batch: EncodedBatch = { request, entries: [], unreadable: [] };
  inputs.forEach((input, index) => {
    const problem = reads[index];
    if (problem instanceof Error) batch.unreadable.push({ input, message: `${input.accepted.candidate.source}: ${problem.message}` });
    else batch.entries.push({ input, index });
  });
  return batch;
}

async function readInto(input: PlannedInput, slot: Buffer): Promise<Error | undefined> {
  const content = input.accepted.candidate.content;
  if (content.kind !== "bytes") return undefined;
  try {
    await content.bytes.readInto(slot);
    // A text goes as a protobuf string, which must be UTF-8: a file changed since it was
    // checked would otherwise make the platform refuse the whole request.
    if (input.accepted.kind === "text" && !isUtf8(slot)) return new Error("it is no longer valid UTF-8 text (it changed after it was checked)");
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
