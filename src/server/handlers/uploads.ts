import {
  type GetUploadRequest,
  MultiInputsAddJobResponse,
  type PostInputsUploadsRequest,
  type PutUploadContentPartsRequest,
  SingleUploadResponse,
} from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { idRuleText, isValidId, randomId } from "../ids.js";
import { describeJob } from "../job-view.js";
import { ok, status } from "../status.js";
import type { Store } from "../store.js";
import type { NewUploadSpec, UploadService } from "../uploads/upload-service.js";
import type { Route } from "./route.js";
import { conflictRuleText, encodeTemplate, isConflictResolution, templateProblem } from "./template-checks.js";

/**
 * PostInputsUploads. Each InputsUpload creates an upload (UPLOAD_IN_PROGRESS,
 * with the given upload.id or a random one) in an inputs-add job: the one named
 * by inputs_add_job_id (created or extended) or a new one. The request is
 * refused as a whole with INPUT_INVALID_ARGUMENT (30104) when it has no
 * uploads, an upload is missing or has no content_length, an id is invalid or
 * already used, or a template cannot apply. The answer is SUCCESS with each
 * job, whose `uploads` holds its uploads.
 */
export function postInputsUploadsRoute(
  store: Store,
  uploads: UploadService,
): Route<PostInputsUploadsRequest, MultiInputsAddJobResponse> {
  return {
    reply: (s) => MultiInputsAddJobResponse.fromPartial({ status: s }),
    async handle({ request, scope }) {
      const invalid = (details: string): MultiInputsAddJobResponse =>
        MultiInputsAddJobResponse.fromPartial({
          status: status(StatusCode.INPUT_INVALID_ARGUMENT, undefined, details),
        });
      if (request.inputsUploads.length === 0) return invalid("the request has no inputs_uploads");
      const templateDatasets = request.inputsUploads.flatMap((u) => u.inputTemplate?.datasetIds ?? []);
      const known = store.datasets.existing(scope, [...new Set(templateDatasets)]);
      const specs: NewUploadSpec[] = [];
      const ids = new Set<string>();
      for (const [i, item] of request.inputsUploads.entries()) {
        const which = `inputs upload ${i + 1}`;
        const upload = item.upload;
        if (upload === undefined) return invalid(`${which} has no upload`);
        if (!Number.isSafeInteger(upload.contentLength) || upload.contentLength <= 0) {
          return invalid(`${which}: upload.content_length must be the archive's size in bytes (more than 0)`);
        }
        const id = upload.id !== "" ? upload.id : randomId();
        if (!isValidId(id)) return invalid(`${which}: ${idRuleText("upload id", id)}`);
        if (ids.has(id) || store.uploads.get(scope, id) !== undefined) {
          return invalid(`${which}: an upload with id '${id}' already exists`);
        }
        ids.add(id);
        if (item.inputsAddJobId !== "" && !isValidId(item.inputsAddJobId)) {
          return invalid(`${which}: ${idRuleText("inputs_add_job_id", item.inputsAddJobId)}`);
        }
        if (!isConflictResolution(item.inputIdConflictResolution)) {
          return invalid(`${which}: ${conflictRuleText(item.inputIdConflictResolution)}`);
        }
        const templateIssue = templateProblem(item.inputTemplate, known);
        if (templateIssue !== null) return invalid(`${which}: ${templateIssue}`);
        specs.push({
          id,
          jobId: item.inputsAddJobId !== "" ? item.inputsAddJobId : randomId(),
          contentName: upload.contentName,
          contentLength: upload.contentLength,
          conflict: item.inputIdConflictResolution,
          template: encodeTemplate(item.inputTemplate),
        });
      }
      for (const spec of specs) await uploads.create(scope, spec);
      const jobs = [...new Set(specs.map((s) => s.jobId))]
        .map((id) => store.jobs.get(scope, id))
        .filter((j) => j !== undefined);
      return { status: ok(), inputsAddJobs: jobs.map((job) => describeJob(store, scope, job)) };
    },
  };
}

/** PutUploadContentParts: see UploadService.putParts for the answers. */
export function putUploadContentPartsRoute(
  uploads: UploadService,
): Route<PutUploadContentPartsRequest, SingleUploadResponse> {
  return {
    reply: (s) => SingleUploadResponse.fromPartial({ status: s }),
    handle: ({ request, scope }) => uploads.putParts(scope, request.uploadId, request.contentParts),
  };
}

/**
 * GetUpload: the upload with its status (UPLOAD_IN_PROGRESS, UPLOAD_DONE,
 * UPLOAD_CANCELED) and what has been received (see upload-view.ts: the
 * status's developer_notes hold the received parts and missing byte ranges as
 * JSON). Not found -> CONN_DOES_NOT_EXIST (11101).
 */
export function getUploadRoute(store: Store, uploads: UploadService): Route<GetUploadRequest, SingleUploadResponse> {
  return {
    reply: (s) => SingleUploadResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const row = store.uploads.get(scope, request.uploadId);
      if (row === undefined) {
        return SingleUploadResponse.fromPartial({
          status: status(StatusCode.CONN_DOES_NOT_EXIST, undefined, `upload '${request.uploadId}' not found`),
        });
      }
      return { status: ok(), upload: uploads.describe(row) };
    },
  };
}
