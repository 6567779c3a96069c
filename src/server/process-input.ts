import type { Data } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { KIND_LIMITS, MiB } from "../validate/limits.js";
import { download } from "./media/fetch-url.js";
import { integrityProblem } from "./media/integrity.js";
import { checkMedia, readDimensions } from "./media/media-rules.js";
import { formatLabel } from "./media/sniff.js";
import { decodeText, textOverLimit } from "./media/text-rules.js";
import type { BlobStore } from "./store/blobs.js";
import type { ClaimedRow } from "./store/inputs-table.js";
import { decodeData, type MediaKind } from "./store/rows.js";

/** The spec allows a video given by URL to be up to 300 MB. */
const MAX_VIDEO_URL_BYTES = 300 * MiB;

export interface ProcessDeps {
  blobs: BlobStore;
  downloadTimeoutMs: number;
  signal: AbortSignal;
}

export type ProcessOutcome =
  | { code: StatusCode.INPUT_SUCCESS; description: string; data: Data }
  | { code: StatusCode.INPUT_FAILED; description: string; data: null };

function failed(description: string): ProcessOutcome {
  return { code: StatusCode.INPUT_FAILED, description, data: null };
}

/**
 * Processes one claimed input as the platform does after accepting it: gets the
 * bytes (from the blob, or by downloading the URL), sniffs them, applies the
 * limits again, and decodes enough to confirm they are whole. On success the
 * data gains its image_info / video_info / audio_info / text_info.
 */
export async function processInput(row: ClaimedRow, deps: ProcessDeps): Promise<ProcessOutcome> {
  const data = decodeData(row.data);
  if (row.kind !== null) {
    const problem = await processMedia(row.kind, row.media_blob, data, deps);
    if (problem !== null) return failed(problem);
  }
  if (data.text !== undefined && (row.text_blob !== null || data.text.url !== "")) {
    const problem = await processText(row.text_blob, data, deps);
    if (problem !== null) return failed(problem);
  }
  return { code: StatusCode.INPUT_SUCCESS, description: "Download complete", data };
}

async function fetchBytes(kind: MediaKind | "text", url: string, deps: ProcessDeps): Promise<Buffer | string> {
  const maxBytes = kind === "video" ? MAX_VIDEO_URL_BYTES : KIND_LIMITS[kind].maxBytesExclusive;
  const result = await download(url, { timeoutMs: deps.downloadTimeoutMs, maxBytes, signal: deps.signal });
  return result.ok ? result.bytes : `${kind} download failed: ${result.reason}`;
}

/** Returns null when the media is fine (and fills its info into data), else why not. */
async function processMedia(kind: MediaKind, blob: string | null, data: Data, deps: ProcessDeps): Promise<string | null> {
  const field = data[kind];
  let bytes: Buffer;
  if (blob !== null) {
    bytes = await deps.blobs.take(blob);
  } else {
    const fetched = await fetchBytes(kind, field?.url ?? "", deps);
    if (typeof fetched === "string") return fetched;
    bytes = fetched;
  }
  const verdict = kind === "video" && blob === null ? await checkVideoUrlBytes(bytes) : await checkMedia(kind, bytes);
  if (!verdict.ok) return verdict.description;
  const problem = integrityProblem(verdict.format, bytes);
  if (problem !== null) return problem;
  const label = formatLabel(verdict.format);
  if (kind === "image" && data.image !== undefined) {
    const size = readDimensions(bytes);
    if (size === null) return `${label} image header cannot be read`;
    data.image.imageInfo = { width: size.width, height: size.height, format: label, colorMode: "", mode: "" };
  } else if (kind === "video" && data.video !== undefined) {
    data.video.videoInfo = {
      width: 0,
      height: 0,
      fps: 0,
      videoFormat: label,
      bitRate: 0,
      frameCount: 0,
      durationSeconds: 0,
    };
  } else if (kind === "audio" && data.audio !== undefined) {
    const sampleRate = bytes.length >= 28 ? bytes.readUInt32LE(24) : 0;
    data.audio.audioInfo = { audioFormat: label, sampleRate, durationSeconds: 0, bitRate: 0 };
  }
  return null;
}

/** A video given by URL may be up to 300 MB (not 128 MiB); the format rules are the same. */
async function checkVideoUrlBytes(bytes: Buffer): ReturnType<typeof checkMedia> {
  if (bytes.length < KIND_LIMITS.video.maxBytesExclusive) return checkMedia("video", bytes);
  return checkMedia("video", bytes.subarray(0, 64 * 1024));
}

async function processText(blob: string | null, data: Data, deps: ProcessDeps): Promise<string | null> {
  if (data.text === undefined) return null;
  let text: string;
  if (blob !== null) {
    text = (await deps.blobs.take(blob)).toString("utf8");
  } else {
    const fetched = await fetchBytes("text", data.text.url, deps);
    if (typeof fetched === "string") return fetched;
    const over = textOverLimit(fetched.length);
    if (over !== null) return over.description;
    const decoded = decodeText(fetched);
    if (decoded === null) return "text is not valid UTF-8 (plain text, CSV and TSV must be UTF-8)";
    text = decoded;
  }
  data.text.textInfo = { charCount: [...text].length, encoding: "UTF8" };
  return null;
}
