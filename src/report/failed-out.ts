import { closeSync, openSync, writeSync } from "node:fs";
import type { EventListener } from "../upload/events.js";

/** The simple manifest dialect's columns, plus why the input did not get in. */
export const FAILED_OUT_COLUMNS = ["id", "type", "file", "url", "text", "concepts", "metadata", "lon", "lat", "dataset", "reason", "message"] as const;

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Writes every rejected or failed input as one manifest row, as it happens, so the file
 * can be fed back to the manifest command once the problems are fixed.
 */
export class FailedOutWriter {
  private readonly fd: number;
  private rows = 0;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
    writeSync(this.fd, `${FAILED_OUT_COLUMNS.join(",")}\n`);
  }

  readonly listener: EventListener = (event) => {
    if (event.type !== "input" || (event.status !== "rejected" && event.status !== "failed")) return;
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(event.source);
    const row: Record<(typeof FAILED_OUT_COLUMNS)[number], string> = {
      id: event.id ?? "",
      type: "",
      file: isUrl ? "" : event.source,
      url: isUrl ? event.source : "",
      text: "",
      concepts: "",
      metadata: "",
      lon: "",
      lat: "",
      dataset: "",
      reason: event.reason ?? event.status,
      message: event.message ?? "",
    };
    writeSync(this.fd, `${FAILED_OUT_COLUMNS.map((column) => csvField(row[column])).join(",")}\n`);
    this.rows++;
  };

  close(): number {
    closeSync(this.fd);
    return this.rows;
  }
}
