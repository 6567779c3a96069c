import type { Upload } from "../../gen/clarifai/api/resources.js";
import type { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { status } from "../status.js";
import type { PartRow, UploadRow } from "../store/uploads-table.js";
import { type ByteRange, compactList, coveredBytes, missingRanges } from "./ranges.js";

/**
 * What GetUpload tells a client about the bytes it has sent, in
 * status.developer_notes as JSON (status.details says the same in words, and
 * status.percent_completed is the share of bytes received).
 */
export interface UploadProgress {
  content_length: number;
  received_bytes: number;
  /** Part numbers received, ascending. */
  received_parts: number[];
  /** Byte ranges [start, end) not received yet, ascending. */
  missing_ranges: [number, number][];
}

export function uploadProgress(row: UploadRow, parts: readonly PartRow[]): UploadProgress {
  const ranges: ByteRange[] = parts.map((p) => ({ start: p.range_start, end: p.range_start + p.length }));
  return {
    content_length: row.content_length,
    received_bytes: coveredBytes(ranges, row.content_length),
    received_parts: parts.map((p) => p.part_number).sort((a, b) => a - b),
    missing_ranges: missingRanges(ranges, row.content_length).map((r): [number, number] => [r.start, r.end]),
  };
}

/** The upload as the API shows it, its status carrying the resume information. */
export function uploadFromRow(row: UploadRow, parts: readonly PartRow[]): Upload {
  const progress = uploadProgress(row, parts);
  const s = status(row.status_code as StatusCode, undefined, progressText(progress));
  s.percentCompleted =
    row.content_length === 0 ? 100 : Math.floor((progress.received_bytes * 100) / row.content_length);
  s.developerNotes = JSON.stringify(progress);
  return {
    id: row.id,
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    expiresAt: undefined,
    status: s,
    contentName: row.content_name,
    contentLength: row.content_length,
    contentUrl: "",
  };
}

function progressText(p: UploadProgress): string {
  const parts = p.received_parts.length === 0 ? "no parts" : `parts ${compactList(p.received_parts)}`;
  const head = `received ${parts}: ${p.received_bytes} of ${p.content_length} bytes`;
  if (p.missing_ranges.length === 0) return head;
  const missing = p.missing_ranges
    .slice(0, 5)
    .map(([start, end]) => `${start}-${end - 1}`)
    .join(", ");
  const more = p.missing_ranges.length > 5 ? `, ... (${p.missing_ranges.length} ranges)` : "";
  return `${head}; missing bytes ${missing}${more}`;
}
