import { imageSize } from "image-size";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { KIND_LIMITS, MAX_IMAGE_PIXELS, MiB } from "../../validate/limits.js";
import type { MediaKind } from "../store/rows.js";
import { formatLabel, sniffFormat } from "./sniff.js";

export type MediaVerdict =
  | { ok: true; format: string; width?: number; height?: number }
  | { ok: false; code: StatusCode; description: string };

/**
 * The spec's per-input rules for media bytes: the size limit of the kind, a
 * supported format of the kind (sniffed from the bytes, not trusted from a
 * name), and for images at most 85 megapixels (read from the header).
 *
 * Answers: too large or too many pixels -> INPUT_OVER_LIMIT (30105); not a
 * supported format of the kind -> INPUT_UNSUPPORTED_FORMAT (30101).
 */
export async function checkMedia(kind: MediaKind, bytes: Uint8Array): Promise<MediaVerdict> {
  const limits = KIND_LIMITS[kind];
  if (bytes.length >= limits.maxBytesExclusive) {
    return {
      ok: false,
      code: StatusCode.INPUT_OVER_LIMIT,
      description:
        `${kind} is ${bytes.length} bytes; ${article(kind)} ${kind} must be smaller than ` +
        `${limits.maxBytesExclusive / MiB} MiB (${limits.maxBytesExclusive} bytes)`,
    };
  }
  const format = await sniffFormat(bytes);
  const supported = limits.formats.map(formatLabel).join(", ");
  if (format === null || !limits.formats.includes(format)) {
    const seen = format === null ? "an unrecognized format" : formatLabel(format);
    const rule = kind === "audio" ? "audio must be WAV" : `supported ${kind} formats are ${supported}`;
    return {
      ok: false,
      code: StatusCode.INPUT_UNSUPPORTED_FORMAT,
      description: `${kind} data is ${seen}; ${rule}`,
    };
  }
  if (kind !== "image") return { ok: true, format };
  const size = readDimensions(bytes);
  if (size === null) return { ok: true, format };
  const pixels = size.width * size.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    return {
      ok: false,
      code: StatusCode.INPUT_OVER_LIMIT,
      description:
        `image is ${size.width}x${size.height} = ${pixels} pixels; an image may have at most ` +
        `${MAX_IMAGE_PIXELS / 1_000_000} megapixels (${MAX_IMAGE_PIXELS} pixels)`,
    };
  }
  return { ok: true, format, width: size.width, height: size.height };
}

/** Image dimensions from the header, or null when the header cannot be read. */
export function readDimensions(bytes: Uint8Array): { width: number; height: number } | null {
  try {
    const size = imageSize(bytes);
    const width = size.width ?? 0;
    const height = size.height ?? 0;
    if (width <= 0 || height <= 0) return null;
    return { width, height };
  } catch {
    return null;
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? "an" : "a";
}
