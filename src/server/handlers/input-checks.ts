import type { Data, Input } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { idRuleText, isValidId } from "../ids.js";
import { checkMedia } from "../media/media-rules.js";
import { textOverLimit } from "../media/text-rules.js";
import { type MediaKind, withoutPayload } from "../store/rows.js";

export interface Rejection {
  ok: false;
  code: StatusCode;
  description: string;
}

export interface Accepted {
  ok: true;
  /** Data without its payload. */
  data: Data;
  kind: MediaKind | null;
  media: Buffer | null;
  text: Buffer | null;
  /** The URL of an input given by URL only (the duplicate-URL rule's key). */
  url: string | null;
  allowDuplicateUrl: boolean;
}

export type InputVerdict = Accepted | Rejection;

const MEDIA_KINDS: readonly MediaKind[] = ["image", "video", "audio"];

function reject(code: StatusCode, description: string): Rejection {
  return { ok: false, code, description };
}

/**
 * The per-input rules PostInputs applies before creating an input. Answers:
 * - bad id, no data, a data field with neither bytes nor URL, an unknown
 *   dataset, a concept without id or with a value outside [0, 1]: INPUT_INVALID_ARGUMENT (30104);
 * - a URL that is not http(s): INPUT_INVALID_URL (30106);
 * - over a size limit or over 85 megapixels: INPUT_OVER_LIMIT (30105);
 * - a format the kind does not support (audio other than WAV, ...): INPUT_UNSUPPORTED_FORMAT (30101).
 */
export async function checkInput(input: Input, knownDatasets: ReadonlySet<string>): Promise<InputVerdict> {
  if (input.id !== "" && !isValidId(input.id)) {
    return reject(StatusCode.INPUT_INVALID_ARGUMENT, idRuleText("input id", input.id));
  }
  const data = input.data;
  const kinds = data === undefined ? [] : MEDIA_KINDS.filter((k) => data[k] !== undefined);
  if (data === undefined || (kinds.length === 0 && data.text === undefined)) {
    return reject(
      StatusCode.INPUT_INVALID_ARGUMENT,
      "input has no data: set one of data.image, data.video, data.audio or data.text",
    );
  }
  if (kinds.length > 1) {
    return reject(
      StatusCode.INPUT_INVALID_ARGUMENT,
      `input carries ${kinds.join(" and ")}; an input carries at most one of image, video and audio`,
    );
  }
  const accepted: Accepted = {
    ok: true,
    data: withoutPayload(data),
    kind: kinds[0] ?? null,
    media: null,
    text: null,
    url: null,
    allowDuplicateUrl: false,
  };
  if (accepted.kind !== null) {
    const problem = await checkMediaField(accepted.kind, data, accepted);
    if (problem !== null) return problem;
  }
  if (data.text !== undefined) {
    const problem = checkTextField(data, accepted);
    if (problem !== null) return problem;
  }
  for (const datasetId of input.datasetIds) {
    if (!knownDatasets.has(datasetId)) {
      return reject(StatusCode.INPUT_INVALID_ARGUMENT, `dataset '${datasetId}' does not exist in this app`);
    }
  }
  const unnamed = data.concepts.findIndex((c) => c.id === "");
  if (unnamed >= 0) {
    return reject(StatusCode.INPUT_INVALID_ARGUMENT, `concept ${unnamed + 1} of the input has no id`);
  }
  const outOfRange = data.concepts.find((c) => !(c.value >= 0 && c.value <= 1));
  if (outOfRange !== undefined) {
    return reject(StatusCode.INPUT_INVALID_ARGUMENT, `concept '${outOfRange.id}' of the input has value ${outOfRange.value}, not in [0, 1]`);
  }
  return accepted;
}

async function checkMediaField(kind: MediaKind, data: Data, accepted: Accepted): Promise<Rejection | null> {
  const field = data[kind];
  if (field === undefined) return null;
  if (field.base64.length > 0) {
    const verdict = await checkMedia(kind, field.base64);
    if (!verdict.ok) return reject(verdict.code, verdict.description);
    accepted.media = field.base64;
    return null;
  }
  if (field.url !== "") {
    const problem = urlProblem(field.url);
    if (problem !== null) return reject(StatusCode.INPUT_INVALID_URL, `data.${kind}.url ${problem}`);
    accepted.url = field.url;
    accepted.allowDuplicateUrl = field.allowDuplicateUrl;
    return null;
  }
  return reject(StatusCode.INPUT_INVALID_ARGUMENT, `data.${kind} has neither bytes (base64) nor a url`);
}

function checkTextField(data: Data, accepted: Accepted): Rejection | null {
  const text = data.text;
  if (text === undefined) return null;
  if (text.raw !== "") {
    const bytes = Buffer.from(text.raw, "utf8");
    const over = textOverLimit(bytes.length);
    if (over !== null) return reject(over.code, over.description);
    accepted.text = bytes;
    return null;
  }
  if (text.url !== "") {
    const problem = urlProblem(text.url);
    if (problem !== null) return reject(StatusCode.INPUT_INVALID_URL, `data.text.url ${problem}`);
    if (accepted.kind === null) {
      accepted.url = text.url;
      accepted.allowDuplicateUrl = text.allowDuplicateUrl;
    }
    return null;
  }
  return reject(StatusCode.INPUT_INVALID_ARGUMENT, "data.text has neither raw text nor a url");
}

function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a valid URL`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return `'${url}' is not an http or https URL`;
  }
  return null;
}
