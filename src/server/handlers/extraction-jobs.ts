import {
  type CancelInputsExtractionJobsRequest,
  type GetInputsExtractionJobRequest,
  type ListInputsExtractionJobsRequest,
  MultiInputsExtractionJobResponse,
  SingleInputsExtractionJobResponse,
} from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { extractionFromRow } from "../extraction/extraction-view.js";
import { ok, status } from "../status.js";
import { isActiveExtraction, type Store } from "../store.js";
import type { ExtractionRow } from "../store/extractions-table.js";
import { pageWindow } from "../store/rows.js";
import type { Route } from "./route.js";

/** GetInputsExtractionJob: the job with its status and progress counts; not found -> CONN_DOES_NOT_EXIST (11101). */
export function getInputsExtractionJobRoute(
  store: Store,
): Route<GetInputsExtractionJobRequest, SingleInputsExtractionJobResponse> {
  return {
    reply: (s) => SingleInputsExtractionJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const row = store.extractions.get(scope, request.inputsExtractionJobId);
      if (row === undefined) {
        return SingleInputsExtractionJobResponse.fromPartial({
          status: status(
            StatusCode.CONN_DOES_NOT_EXIST,
            undefined,
            `inputs extraction job '${request.inputsExtractionJobId}' not found`,
          ),
        });
      }
      return { status: ok(), inputsExtractionJob: extractionFromRow(row) };
    },
  };
}

/** ListInputsExtractionJobs, newest first, paged (page 1, 128 per page, at most 1000). */
export function listInputsExtractionJobsRoute(
  store: Store,
): Route<ListInputsExtractionJobsRequest, MultiInputsExtractionJobResponse> {
  return {
    reply: (s) => MultiInputsExtractionJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const { limit, offset } = pageWindow(request.page, request.perPage);
      const rows = store.extractions.list(scope, limit, offset);
      return { status: ok(), inputsExtractionJobs: rows.map(extractionFromRow) };
    },
  };
}

/**
 * CancelInputsExtractionJobs: every named job that is queued or running
 * becomes JOB_CANCELLED (a running one stops before its next file; the inputs
 * it created stay and are processed); jobs already ended are answered as they
 * are. No ids -> CONN_INVALID_REQUEST (11102); an unknown id ->
 * CONN_DOES_NOT_EXIST (11101) and nothing is cancelled.
 */
export function cancelInputsExtractionJobsRoute(
  store: Store,
  afterCancel: () => void,
): Route<CancelInputsExtractionJobsRequest, MultiInputsExtractionJobResponse> {
  return {
    reply: (s) => MultiInputsExtractionJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const reply = (code: StatusCode, details: string): MultiInputsExtractionJobResponse =>
        MultiInputsExtractionJobResponse.fromPartial({ status: status(code, undefined, details) });
      const ids = [...new Set(request.ids)];
      if (ids.length === 0) {
        return reply(StatusCode.CONN_INVALID_REQUEST, "ids is empty: name the extraction jobs to cancel");
      }
      const result = store.transaction((): { missing: string[] } | { rows: ExtractionRow[] } => {
        const found = ids.map((id) => ({ id, row: store.extractions.get(scope, id) }));
        const missing = found.filter((f) => f.row === undefined).map((f) => `'${f.id}'`);
        if (missing.length > 0) return { missing };
        const nowMs = Date.now();
        for (const { row } of found) {
          if (row === undefined || !isActiveExtraction(row.status_code)) continue;
          store.extractions.setStatus(row.seq, StatusCode.JOB_CANCELLED, "cancelled on request", nowMs);
        }
        return { rows: found.map((f) => store.extractions.get(scope, f.id)).filter((r) => r !== undefined) };
      });
      if ("missing" in result) {
        return reply(
          StatusCode.CONN_DOES_NOT_EXIST,
          `inputs extraction job(s) not found: ${result.missing.slice(0, 10).join(", ")}`,
        );
      }
      afterCancel();
      return { status: ok(), inputsExtractionJobs: result.rows.map(extractionFromRow) };
    },
  };
}
