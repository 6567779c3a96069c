import { Data, type Input } from "../../gen/clarifai/api/resources.js";
import type { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { status } from "../status.js";

/** The (user_id, app_id) pair every stored thing belongs to. */
export interface Scope {
  userId: string;
  appId: string;
}

export type MediaKind = "image" | "video" | "audio";

export interface InputRow {
  seq: number;
  user_id: string;
  app_id: string;
  id: string;
  data: Buffer;
  kind: MediaKind | null;
  blob_file: string | null;
  media_blob: string | null;
  text_blob: string | null;
  url: string | null;
  status_code: number;
  status_description: string;
  job_id: string | null;
  created_ms: number;
  modified_ms: number;
}

export function encodeData(data: Data): Buffer {
  const bytes = Data.encode(data).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function decodeData(bytes: Uint8Array): Data {
  return Data.decode(bytes);
}

const EMPTY = Buffer.alloc(0);

/** A copy of data without its payload (media bytes and raw text), which live in blobs. */
export function withoutPayload(data: Data): Data {
  return {
    ...data,
    image: data.image ? { ...data.image, base64: EMPTY } : undefined,
    video: data.video ? { ...data.video, base64: EMPTY } : undefined,
    audio: data.audio ? { ...data.audio, base64: EMPTY } : undefined,
    text: data.text ? { ...data.text, raw: "" } : undefined,
  };
}

export function inputFromRow(row: InputRow, datasetIds: string[], data?: Data): Input {
  return {
    id: row.id,
    data: data ?? decodeData(row.data),
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    status: status(row.status_code as StatusCode, row.status_description || undefined),
    datasetIds,
  };
}

export function parseJsonObject(text: string | null): { [key: string]: unknown } | undefined {
  if (text === null || text === "") return undefined;
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === "object" ? (value as { [key: string]: unknown }) : undefined;
}

/** page/per_page as the platform defaults them: page 1, 128 per page, at most 1000. */
export function pageWindow(page: number, perPage: number): { limit: number; offset: number } {
  const limit = Math.min(Math.max(perPage || 128, 1), 1000);
  const offset = (Math.max(page || 1, 1) - 1) * limit;
  return { limit, offset };
}
