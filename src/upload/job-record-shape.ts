import type { AckRecord, JobRecord } from "./joblog.js";

/** One line of a job log as a record, or undefined when it is not JSON or lacks the fields its type needs. */
export function parseRecord(line: string): JobRecord | undefined {
  try {
    const record: unknown = JSON.parse(line);
    return hasShape(record) ? record : undefined;
  } catch {
    return undefined;
  }
}

const isText = (value: unknown): value is string => typeof value === "string";
const ACK_STATUSES = new Set<string>(["uploaded", "present", "kept", "processed"] satisfies Array<AckRecord["status"]>);

/**
 * True when a parsed line has the fields its type needs: a malformed record is counted
 * and ignored like a torn line, never trusted.
 */
function hasShape(record: unknown): record is JobRecord {
  if (record === null || typeof record !== "object") return false;
  const r = record as Record<string, unknown>;
  switch (r.type) {
    case "header":
      return isText(r.job) && isText(r.command) && Array.isArray(r.args) && typeof r.target === "object" && r.target !== null;
    case "ack":
      return isText(r.id) && isText(r.source) && isText(r.fingerprint) && isText(r.status) && ACK_STATUSES.has(r.status);
    case "failed":
    case "rejected":
    case "conflict":
      return isText(r.source) && isText(r.reason);
    case "processed":
      return isText(r.id) && isText(r.source);
    case "gone":
      return isText(r.source);
    case "missing":
      return isText(r.id) && isText(r.source) && isText(r.fingerprint);
    case "processing_failed":
      return isText(r.id) && isText(r.source) && isText(r.fingerprint) && typeof r.code === "number" && isText(r.description) && typeof r.attempts === "number";
    case "batch":
    case "begin":
    case "run":
    case "end":
      return true;
    case "upload":
      return isText(r.upload) && isText(r.fingerprint);
    case "part":
      return isText(r.upload) && typeof r.part === "number";
    default:
      return false;
  }
}
