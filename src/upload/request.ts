import { posix } from "node:path";
import { Input, type Data, type DeepPartial } from "../gen/clarifai/api/resources.js";
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
 * The PostInputs message for one input. `payload` is the file's bytes (read only when
 * the batch is sent); URL and inline-text inputs have none.
 */
export function buildInput(input: PlannedInput, payload: Buffer | undefined, defaults: InputDefaults): Input {
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
  else if (kind === "text") data.text = { raw: (payload ?? Buffer.alloc(0)).toString("utf8") };
  else data[kind] = { base64: payload };
  if (candidate.prompt !== undefined && kind !== "text") data.text = { raw: candidate.prompt };
  const datasetIds = [...new Set([...(defaults.datasetId ? [defaults.datasetId] : []), ...(candidate.datasetIds ?? [])])];
  return Input.fromPartial({ id: input.id, data, datasetIds });
}
