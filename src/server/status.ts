import type { Status } from "../gen/clarifai/api/status/status.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";

export { StatusCode };

/** The platform's standard description for the codes this server answers. */
const DESCRIPTIONS: Partial<Record<StatusCode, string>> = {
  [StatusCode.SUCCESS]: "Ok",
  [StatusCode.MIXED_STATUS]: "Mixed Success",
  [StatusCode.FAILURE]: "Failure",
  [StatusCode.CONN_THROTTLED]: "Making too many requests",
  [StatusCode.CONN_KEY_INVALID]: "Invalid API key or Invalid API key/application pair",
  [StatusCode.CONN_KEY_NOT_FOUND]: "API key not found",
  [StatusCode.CONN_DOES_NOT_EXIST]: "Resource does not exist",
  [StatusCode.CONN_INVALID_REQUEST]: "Invalid request",
  [StatusCode.INPUT_SUCCESS]: "Download complete",
  [StatusCode.INPUT_PENDING]: "Download pending",
  [StatusCode.INPUT_FAILED]: "Download failed",
  [StatusCode.INPUT_IN_PROGRESS]: "Download in progress",
  [StatusCode.INPUT_DUPLICATE]: "Input duplicate",
  [StatusCode.INPUT_UNSUPPORTED_FORMAT]: "Input format not supported",
  [StatusCode.INPUT_INVALID_ARGUMENT]: "Invalid argument",
  [StatusCode.INPUT_OVER_LIMIT]: "Input over limit",
  [StatusCode.INPUT_INVALID_URL]: "Invalid URL",
  [StatusCode.INPUT_CONNECTION_FAILED]: "Connection attempts to the input URL failed",
  [StatusCode.ANNOTATION_SUCCESS]: "Annotation success",
  [StatusCode.ANNOTATION_INVALID_ARGUMENT]: "Invalid annotation argument",
  [StatusCode.JOB_QUEUED]: "Job is queued to be ran.",
  [StatusCode.JOB_RUNNING]: "Job is running.",
  [StatusCode.JOB_COMPLETED]: "Job successfully ran.",
  [StatusCode.JOB_FAILED]: "Job failed.",
  [StatusCode.JOB_CANCELLED]: "Job was cancelled.",
  [StatusCode.UPLOAD_IN_PROGRESS]: "Upload in progress",
  [StatusCode.UPLOAD_DONE]: "Upload done",
  [StatusCode.UPLOAD_FAILED]: "Upload failed",
  [StatusCode.UPLOAD_CANCELED]: "Upload canceled",
  [StatusCode.UPLOAD_CONFLICT]: "Upload conflict",
  [StatusCode.INTERNAL_SERVER_ISSUE]: "Internal server issue",
};

/** A Status with the given code; description defaults to the platform's text for it. */
export function status(code: StatusCode, description?: string, details = ""): Status {
  return {
    code,
    description: description ?? DESCRIPTIONS[code] ?? StatusCode[code] ?? String(code),
    details,
    percentCompleted: 0,
    timeRemaining: 0,
    reqId: "",
    developerNotes: "",
  };
}

export function ok(details = ""): Status {
  return status(StatusCode.SUCCESS, undefined, details);
}

/** SUCCESS, MIXED_STATUS or FAILURE for a batch in which `failed` of `total` items failed. */
export function batchStatus(total: number, failed: number, what: string): Status {
  if (failed === 0) return status(StatusCode.SUCCESS, undefined, `All ${what} successfully added`);
  if (failed === total) return status(StatusCode.FAILURE, undefined, `All ${what} failed; see each one's status`);
  return status(StatusCode.MIXED_STATUS, undefined, `${failed} of ${total} ${what} failed; see each one's status`);
}
