import { closeSync, openSync, writeSync } from "node:fs";
import { codeOf, UsageError } from "../errors.js";
import type { Candidate, RefusedRow } from "../sources/candidate.js";
import { formatConceptList } from "../sources/concepts.js";
import type { EventListener } from "../upload/events.js";

/** The simple manifest dialect's columns, plus why the input did not get in. */
export const FAILED_OUT_COLUMNS = ["id", "type", "file", "url", "text", "concepts", "metadata", "lon", "lat", "dataset", "reason", "message"] as const;

type Row = Record<(typeof FAILED_OUT_COLUMNS)[number], string>;

function emptyRow(): Row {
  return { id: "", type: "", file: "", url: "", text: "", concepts: "", metadata: "", lon: "", lat: "", dataset: "", reason: "", message: "" };
}

/** A source that named only itself (a path or a URL). */
function rowOfSource(source: string): Row {
  const row = emptyRow();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) row.url = source;
  else row.file = source;
  return row;
}

/** A manifest row refused as it was read: its own fields, to be fixed and sent again. */
function rowOfRefused(refused: RefusedRow): Row {
  const row = emptyRow();
  for (const column of FAILED_OUT_COLUMNS) row[column] = refused[column] ?? "";
  return row;
}

/** Everything the candidate carried, so the row can be sent again as it was. */
function rowOf(candidate: Candidate): Row {
  const row = emptyRow();
  const content = candidate.content;
  if (content.kind === "url") row.url = content.url;
  else if (content.kind === "text") row.text = content.text;
  else row.file = content.bytes.path ?? "";
  if (content.kind !== "text" && content.declaredKind) row.type = content.declaredKind;
  if (candidate.prompt !== undefined) row.text = candidate.prompt;
  row.id = candidate.id ?? "";
  row.concepts = formatConceptList(candidate.concepts ?? []);
  row.metadata = candidate.metadata && Object.keys(candidate.metadata).length > 0 ? JSON.stringify(candidate.metadata) : "";
  if (candidate.geo) {
    row.lon = String(candidate.geo.longitude);
    row.lat = String(candidate.geo.latitude);
  }
  row.dataset = (candidate.datasetIds ?? []).join(",");
  return row;
}

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Writes every rejected or failed input as one manifest row, as it happens, so the file
 * can be fed back to the manifest command once the problems are fixed.
 */
export class FailedOutWriter {
  private readonly fd: number;
  private written = 0;
  private closed = false;
  /** Why rows stopped being written (a full disk): the file lists only those before. */
  private failure: string | undefined;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, "w");
      writeSync(this.fd, `${FAILED_OUT_COLUMNS.join(",")}\n`);
    } catch (error) {
      throw new UsageError(`--failed-out ${path}: cannot write it (${codeOf(error)})`);
    }
  }

  readonly listener: EventListener = (event) => {
    if (this.closed || this.failure || event.type !== "input" || (event.status !== "rejected" && event.status !== "failed" && event.status !== "conflict")) return;
    const row = event.candidate ? rowOf(event.candidate) : event.row ? rowOfRefused(event.row) : rowOfSource(event.source);
    row.id = event.id ?? row.id;
    row.reason = event.reason ?? event.status;
    row.message = event.message ?? "";
    try {
      writeSync(this.fd, `${FAILED_OUT_COLUMNS.map((column) => csvField(row[column])).join(",")}\n`);
      this.written++;
    } catch (error) {
      this.failure = `cannot write to it (${codeOf(error)}) after ${this.written} row(s); the job log still has every input`;
    }
  };

  /** Why it holds fewer rows than the run's problems, if it does. */
  get incomplete(): string | undefined {
    return this.failure;
  }

  /** Rows written so far. */
  get rows(): number {
    return this.written;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
