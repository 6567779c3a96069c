import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { KIND_LIMITS, MiB } from "../../validate/limits.js";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Text must be smaller than 20 MiB (INPUT_OVER_LIMIT, 30105 when it is not). */
export function textOverLimit(byteLength: number): { code: StatusCode; description: string } | null {
  const max = KIND_LIMITS.text.maxBytesExclusive;
  if (byteLength < max) return null;
  return {
    code: StatusCode.INPUT_OVER_LIMIT,
    description: `text is ${byteLength} bytes; a text must be smaller than ${max / MiB} MiB (${max} bytes)`,
  };
}

/** Decodes downloaded text; null when it is not valid UTF-8 (or holds NUL bytes). */
export function decodeText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
