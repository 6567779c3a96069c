import { status as GrpcCode } from "@grpc/grpc-js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";

/**
 * The one place that says what an answer means.
 * - success: the request did what was asked.
 * - per_input: look at each input's own status (MIXED_STATUS, or FAILURE with inputs).
 * - retry: transient; the same request may succeed later.
 * - auth: the key is missing, wrong or lacks permission; nothing will succeed.
 * - fatal: the request itself is wrong; retrying cannot help.
 */
export type RequestVerdict = "success" | "per_input" | "retry" | "auth" | "fatal";

/** What one input's status in a PostInputs answer means. */
export type InputVerdict = "accepted" | "duplicate" | "retry" | "failed";

const AUTH_CODES = new Set<number>([
  StatusCode.CONN_ACCOUNT_ISSUES,
  StatusCode.CONN_CREDENTIALS_INVALID,
  StatusCode.CONN_INSUFFICIENT_SCOPES,
  StatusCode.CONN_KEY_INVALID,
  StatusCode.CONN_KEY_NOT_FOUND,
  StatusCode.CONN_EXCEED_MONTHLY_LIMIT,
  StatusCode.INPUT_PERMISSION_DENIED,
]);

const RETRY_CODES = new Set<number>([
  StatusCode.CONN_THROTTLED,
  StatusCode.CONN_EXCEED_HOURLY_LIMIT,
  StatusCode.INPUT_CONNECTION_FAILED,
]);

/** INTERNAL_* (98000-98999) and the *_UNCATEGORIZED codes (99000-99999) are the platform's own trouble. */
function isServerSide(code: number): boolean {
  return code >= 98000 && code <= 99999;
}

export function classifyGrpcError(code: number): RequestVerdict {
  switch (code) {
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
    case GrpcCode.RESOURCE_EXHAUSTED:
    case GrpcCode.ABORTED:
    case GrpcCode.INTERNAL:
    case GrpcCode.UNKNOWN:
    case GrpcCode.CANCELLED:
      return "retry";
    case GrpcCode.UNAUTHENTICATED:
    case GrpcCode.PERMISSION_DENIED:
      return "auth";
    default:
      return "fatal";
  }
}

export function classifyStatus(code: number, hasInputs = false): RequestVerdict {
  if (code === StatusCode.SUCCESS) return "success";
  if (code === StatusCode.MIXED_STATUS) return "per_input";
  if (code === StatusCode.FAILURE && hasInputs) return "per_input";
  if (AUTH_CODES.has(code)) return "auth";
  if (RETRY_CODES.has(code) || isServerSide(code)) return "retry";
  return "fatal";
}

export function classifyInputStatus(code: number): InputVerdict {
  switch (code) {
    case StatusCode.INPUT_SUCCESS:
    case StatusCode.INPUT_PENDING:
    case StatusCode.INPUT_IN_PROGRESS:
    case StatusCode.SUCCESS:
      return "accepted";
    case StatusCode.INPUT_DUPLICATE:
      return "duplicate";
    // In a PostInputs answer, INPUT_FAILED is the platform's "try again" for that input
    // (the official clients retry it); a verdict on the input itself has its own code.
    case StatusCode.INPUT_FAILED:
      return "retry";
    default:
      return RETRY_CODES.has(code) || isServerSide(code) ? "retry" : "failed";
  }
}

/** First name of each code (the enum has deprecated aliases such as INPUT_DOWNLOAD_SUCCESS). */
const CODE_NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(StatusCode)) {
  if (typeof value === "number" && !CODE_NAMES.has(value)) CODE_NAMES.set(value, name);
}

/** The enum name of a status code, for messages: `CONN_THROTTLED (11005)`. */
export function statusName(code: number): string {
  const name = CODE_NAMES.get(code);
  return name ? `${name} (${code})` : String(code);
}
