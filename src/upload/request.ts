import { basename, dirname, posix, sep } from "node:path";
import { isUtf8 } from "node:buffer";
import { layOutUploadInputs, type EncodedPostInputs, type UploadInput } from "../api/post-inputs-request.js";
import type { PostInputsRequest } from "../gen/clarifai/api/service.js";
import type { GeoPoint } from "../sources/candidate.js";
import type { PlannedInput } from "../plan/batcher.js";
import { conceptOf, mergeConcepts, type Concept } from "../sources/concepts.js";
import { CONTENT_DIGEST_KEY, DIGEST_PLACEHOLDER, digestOf, writeDigest } from "./content-digest.js";

/** What every input of a run carries besides its content. */
export interface InputDefaults {
  datasetId?: string;
  concepts: readonly Concept[];
  labelsFromFolder: boolean;
  metadata: Readonly<Record<string, unknown>>;
  geo?: GeoPoint;
  allowDuplicateUrl: boolean;
}

/**
 * Concepts of one input, one per id: the run's, then with --labels-from-folder the name of
 * the folder the file is in (files directly in the folder given get that folder's name, as
 * the Python SDK's `upload_from_folder(labels=True)` gives them), then the candidate's own,
 * each later value winning.
 */
export function conceptsFor(input: PlannedInput, defaults: InputDefaults): Concept[] {
  const { candidate } = input.accepted;
  if (candidate.finalData) return [...(candidate.concepts ?? [])];
  const folder = defaults.labelsFromFolder ? folderLabel(candidate) : undefined;
  if (folder === undefined && defaults.concepts.length === 0 && !candidate.concepts?.length) return [];
  return mergeConcepts(defaults.concepts, folder === undefined ? [] : [conceptOf(folder)], candidate.concepts);
}

/** The name of the folder a candidate's file is in: on disk when it is a file, else from its relative path. */
function folderLabel(candidate: PlannedInput["accepted"]["candidate"]): string | undefined {
  const onDisk = candidate.content.kind === "bytes" ? candidate.content.bytes.path : undefined;
  const folder = onDisk ? basename(dirname(onDisk)) : posix.basename(posix.dirname(candidate.relPath));
  return folder === "" || folder === "." || folder === sep ? undefined : folder;
}

/** The datasets an input goes into: the run's --dataset and the ones its row or entry names. */
export function datasetIdsFor(input: PlannedInput, defaults: InputDefaults): string[] {
  const own = input.accepted.candidate.datasetIds;
  if (!own?.length) return defaults.datasetId ? [defaults.datasetId] : [];
  return [...new Set([...(defaults.datasetId ? [defaults.datasetId] : []), ...own])];
}

/** `{"filename", "path"}` under the run's --metadata under the candidate's own metadata: a new object each time, which the caller may add to. */
export function metadataFor(candidate: PlannedInput["accepted"]["candidate"], defaults: InputDefaults): Record<string, unknown> {
  if (candidate.finalData) return { ...(candidate.metadata ?? {}) };
  const base: Record<string, unknown> = candidate.content.kind === "bytes" ? { filename: posix.basename(candidate.relPath), path: candidate.relPath } : {};
  if (candidate.metadata === undefined && !hasKeys(defaults.metadata)) return base;
  return { ...base, ...defaults.metadata, ...(candidate.metadata ?? {}) };
}

function hasKeys(object: Readonly<Record<string, unknown>>): boolean {
  for (const _key in object) return true;
  return false;
}

/**
 * One input as it is sent, without the bytes of its file: they are read into the encoded
 * request (see `encodeBatch`), and its digest written over a placeholder then.
 */
function uploadInputOf(input: PlannedInput, defaults: InputDefaults): UploadInput {
  const { candidate, kind } = input.accepted;
  const content = candidate.content;
  const metadata = metadataFor(candidate, defaults);
  // The digest is the metadata's last entry, where `writeDigest` finds its placeholder: a
  // digest key the input's own metadata named (its value replaced anyway) moves there.
  if (CONTENT_DIGEST_KEY in metadata) delete metadata[CONTENT_DIGEST_KEY];
  metadata[CONTENT_DIGEST_KEY] = digestBeforeReading(input);
  return {
    id: input.id,
    datasetIds: datasetIdsFor(input, defaults),
    concepts: conceptsFor(input, defaults),
    metadata,
    geo: candidate.finalData ? candidate.geo : (candidate.geo ?? defaults.geo),
    content:
      content.kind === "url"
        ? { kind, url: content.url, allowDuplicateUrl: defaults.allowDuplicateUrl }
        : content.kind === "text"
          ? { kind: "text", raw: content.text }
          : { kind },
    prompt: promptOf(input),
    slotSize: content.kind === "bytes" ? input.accepted.size : undefined,
  };
}

/** The text sent beside an image, video or audio (a text input has none). */
function promptOf(input: PlannedInput): string | undefined {
  return input.accepted.kind !== "text" ? input.accepted.candidate.prompt : undefined;
}

/**
 * The digest of an input's content when it is known before its file is read (a URL, an
 * inline text); for a file, a placeholder of the same length that `encodeBatch`
 * overwrites once the bytes are in the request.
 */
function digestBeforeReading(input: PlannedInput): string {
  const content = input.accepted.candidate.content;
  const prompt = promptOf(input);
  if (content.kind === "url") return digestOf(content.url, prompt);
  if (content.kind === "text") return digestOf(content.text, prompt);
  return DIGEST_PLACEHOLDER;
}

/** One input a request holds: its index in the request and the digest of its content. */
export interface EncodedEntry {
  input: PlannedInput;
  index: number;
  digest: string;
}

/** A batch's PostInputs request, encoded, with the inputs it holds and those whose files could not be read. */
export interface EncodedBatch {
  request: EncodedPostInputs;
  /** Each input the request holds. */
  entries: EncodedEntry[];
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
  const hasBytes = (input: PlannedInput): boolean => input.accepted.candidate.content.kind === "bytes";
  const reads = await Promise.all(inputs.map((input, index) => (hasBytes(input) ? readInto(input, request.slot(index)) : undefined)));
  const batch: EncodedBatch = { request, entries: [], unreadable: [] };
  inputs.forEach((input, index) => {
    const problem = reads[index];
    if (problem instanceof Error) batch.unreadable.push({ input, message: `${input.accepted.candidate.source}: ${problem.message}` });
    else batch.entries.push({ input, index, digest: hasBytes(input) ? writeDigest(request, index, promptOf(input)) : digestBeforeReading(input) });
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
