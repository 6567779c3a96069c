import {
  type CancelInputsAddJobRequest,
  type GetInputsAddJobRequest,
  type ListInputsAddJobsRequest,
  MultiInputsAddJobResponse,
  SingleInputsAddJobResponse,
} from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { describeJob } from "../job-view.js";
import { ok, status } from "../status.js";
import type { Store } from "../store.js";
import { pageWindow } from "../store/rows.js";
import type { Route } from "./route.js";

function notFound(id: string): SingleInputsAddJobResponse {
  return SingleInputsAddJobResponse.fromPartial({
    status: status(StatusCode.CONN_DOES_NOT_EXIST, undefined, `inputs-add job '${id}' not found`),
  });
}

/**
 * GetInputsAddJob: the job with its progress counts (always present), its
 * extraction jobs and uploads, and a status derived from them: JOB_QUEUED,
 * JOB_RUNNING, JOB_COMPLETED (nothing pending or in progress, no extraction
 * queued or running, no upload still receiving parts) or JOB_CANCELLED.
 * Not found -> CONN_DOES_NOT_EXIST.
 */
export function getInputsAddJobRoute(store: Store): Route<GetInputsAddJobRequest, SingleInputsAddJobResponse> {
  return {
    reply: (s) => SingleInputsAddJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const job = store.jobs.get(scope, request.id);
      return job === undefined ? notFound(request.id) : { status: ok(), inputsAddJob: describeJob(store, scope, job) };
    },
  };
}

/** ListInputsAddJobs, newest first, paged. */
export function listInputsAddJobsRoute(store: Store): Route<ListInputsAddJobsRequest, MultiInputsAddJobResponse> {
  return {
    reply: (s) => MultiInputsAddJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const { limit, offset } = pageWindow(request.page, request.perPage);
      return {
        status: ok(),
        inputsAddJobs: store.jobs.list(scope, limit, offset).map((job) => describeJob(store, scope, job)),
      };
    },
  };
}

/**
 * CancelInputsAddJob: the job's pending inputs fail (INPUT_FAILED), its queued
 * or running extraction jobs become JOB_CANCELLED (a running one stops before
 * its next file), its open uploads UPLOAD_CANCELED, and the job JOB_CANCELLED;
 * a job with nothing left to do is answered as it is.
 */
export function cancelInputsAddJobRoute(
  store: Store,
  afterCancel: () => void = () => undefined,
): Route<CancelInputsAddJobRequest, SingleInputsAddJobResponse> {
  return {
    reply: (s) => SingleInputsAddJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const job = store.cancelJob(scope, request.id);
      if (job?.cancelled === 1) afterCancel();
      return job === undefined ? notFound(request.id) : { status: ok(), inputsAddJob: describeJob(store, scope, job) };
    },
  };
}
