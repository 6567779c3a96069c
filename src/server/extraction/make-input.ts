import { Data, type Input } from "../../gen/clarifai/api/resources.js";
import { type InputKind, KIND_LIMITS } from "../../validate/limits.js";
import { type Accepted, checkInput } from "../handlers/input-checks.js";
import { formatLabel, sniffType } from "../media/sniff.js";
import { decodeText } from "../media/text-rules.js";
import type { MediaKind } from "../store/rows.js";

export type MadeInput =
  | { ok: true; input: Input; verdict: Accepted; kind: InputKind }
  | { ok: false; description: string };

const MEDIA_KINDS: readonly MediaKind[] = ["image", "video", "audio"];

/**
 * Turns a file's bytes into an input as the platform does when it extracts a
 * bucket or an archive: the kind is sniffed from the bytes (an image, video or
 * audio format, else UTF-8 text), the template's dataset_ids, concepts,
 * metadata and geo are applied, and the input goes through the same checks as
 * a PostInputs input (size limits, supported formats, megapixels).
 */
export async function makeInput(
  id: string,
  bytes: Buffer,
  template: Input | undefined,
  knownDatasets: ReadonlySet<string>,
): Promise<MadeInput> {
  const sniffed = await kindOf(bytes);
  if ("why" in sniffed) return { ok: false, description: sniffed.why };
  const kind = sniffed.kind;
  const base = template?.data;
  const data = Data.fromPartial({
    concepts: base?.concepts ?? [],
    metadata: base?.metadata,
    geo: base?.geo,
  });
  if (kind === "text") {
    const raw = decodeText(bytes) ?? "";
    data.text = { raw, url: "", allowDuplicateUrl: false, hosted: undefined, textInfo: undefined };
  } else if (kind === "image") {
    data.image = { url: "", base64: bytes, allowDuplicateUrl: false, hosted: undefined, imageInfo: undefined };
  } else if (kind === "video") {
    data.video = { url: "", base64: bytes, allowDuplicateUrl: false, hosted: undefined, videoInfo: undefined };
  } else {
    data.audio = { url: "", base64: bytes, allowDuplicateUrl: false, hosted: undefined, audioInfo: undefined };
  }
  const input: Input = {
    id,
    data,
    createdAt: undefined,
    modifiedAt: undefined,
    status: undefined,
    datasetIds: template?.datasetIds ?? [],
  };
  const verdict = await checkInput(input, knownDatasets);
  if (!verdict.ok) return { ok: false, description: verdict.description };
  return { ok: true, input, verdict, kind };
}

/** The input kind of some bytes, or why they are none. */
async function kindOf(bytes: Buffer): Promise<{ kind: InputKind } | { why: string }> {
  if (bytes.length === 0) return { why: "the file is empty" };
  const type = await sniffType(bytes);
  if (type === null) {
    return decodeText(bytes) !== null
      ? { kind: "text" }
      : { why: "not a recognized image, video or audio format, and not UTF-8 text" };
  }
  for (const kind of MEDIA_KINDS) {
    if (KIND_LIMITS[kind].formats.includes(type.format) || type.mime.startsWith(`${kind}/`)) return { kind };
  }
  return {
    why: `${formatLabel(type.format)} is not an input format (images, videos, WAV audio and UTF-8 text are)`,
  };
}
