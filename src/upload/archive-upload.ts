import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { basename } from "node:path";
import { ApiError, describeStatus } from "../api/client.js";
import type { Caller } from "../api/caller.js";
import { classifyStatus } from "../api/status.js";
import { Upload, type Input, type InputIDConflictResolution } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { UploadError } from "../errors.js";
import type { EventBus } from "./events.js";
import type { JobLogWriter, JobState } from "./joblog.js";

export interface ArchiveUploadPlan {
  archive: string;
  size: number;
  /** Size + mtime: a changed archive starts a new upload. */
  fingerprint: string;
  partSize: number;
  concurrency: number;
  template?: Input;
  conflict: InputIDConflictResolution;
  addJobId?: string;
}

export interface ArchiveUploadServices {
  caller: Caller;
  bus: EventBus;
  log: { writer: JobLogWriter; state: JobState; run: string };
  stop: AbortSignal;
}

export interface ArchiveUploadResult {
  uploadId: string;
  addJobId: string;
  parts: number;
  /** Parts sent by this run (the others were acknowledged before). */
  sentParts: number;
  sentBytes: number;
  /** True when the server has every byte (the upload is done). */
  complete: boolean;
  resumed: boolean;
}

/**
 * Sends an archive for the platform to extract: PostInputsUploads creates the upload,
 * PutUploadContentParts sends its parts (concurrently, each retried), and every part the
 * server acknowledges is recorded in the job log, so an interrupted upload resumes from
 * the parts still missing (after GetUpload confirms the upload is still open).
 */
export async function uploadArchive(plan: ArchiveUploadPlan, services: ArchiveUploadServices): Promise<ArchiveUploadResult> {
  const { caller, log } = services;
  const parts = Math.max(1, Math.ceil(plan.size / plan.partSize));
  const previous = log.state.upload;
  let uploadId: string | undefined;
  let addJobId = plan.addJobId ?? "";
  let resumed = false;
  if (previous && previous.fingerprint === plan.fingerprint && previous.partSize === plan.partSize) {
    const state = await uploadState(caller, previous.upload);
    if (state === StatusCode.UPLOAD_DONE) {
      return { uploadId: previous.upload, addJobId: previous.addJob, parts, sentParts: 0, sentBytes: 0, complete: true, resumed: true };
    }
    if (state === StatusCode.UPLOAD_IN_PROGRESS) {
      uploadId = previous.upload;
      addJobId = previous.addJob;
      resumed = true;
    }
  }
  if (!uploadId) {
    addJobId ||= randomBytes(16).toString("hex");
    uploadId = await createUpload(caller, plan, addJobId);
    log.writer.append({ type: "upload", upload: uploadId, addJob: addJobId, fingerprint: plan.fingerprint, partSize: plan.partSize, run: log.run });
    log.writer.sync();
  }
  const done = resumed ? (log.state.parts.get(uploadId) ?? new Set<number>()) : new Set<number>();
  const missing = Array.from({ length: parts }, (_, index) => index + 1).filter((part) => !done.has(part));
  let sentParts = 0;
  let sentBytes = 0;
  const file = await open(plan.archive, "r");
  try {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < missing.length && !services.stop.aborted) {
        const part = missing[next++];
        const start = (part - 1) * plan.partSize;
        const length = Math.min(plan.partSize, plan.size - start);
        const data = Buffer.allocUnsafe(length);
        const { bytesRead } = await file.read(data, 0, length, start);
        if (bytesRead !== length) throw new UploadError("failed", `${plan.archive} changed while being uploaded (part ${part} is short)`);
        await sendPart(caller, uploadId as string, part, start, data);
        log.writer.append({ type: "part", upload: uploadId as string, part, run: log.run });
        log.writer.sync();
        sentParts++;
        sentBytes += length;
        services.bus.emit({ type: "batch", seq: part, inputs: 0, bytes: length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, missing.length) }, () => worker()));
  } finally {
    await file.close();
  }
  const complete = (await uploadState(caller, uploadId)) === StatusCode.UPLOAD_DONE;
  return { uploadId, addJobId, parts, sentParts, sentBytes, complete, resumed };
}

async function createUpload(caller: Caller, plan: ArchiveUploadPlan, addJobId: string): Promise<string> {
  const answer = await caller.call("postInputsUploads", {
    inputsUploads: [
      {
        inputsAddJobId: addJobId,
        upload: Upload.fromPartial({ contentName: basename(plan.archive), contentLength: plan.size }),
        inputIdConflictResolution: plan.conflict,
        inputTemplate: plan.template,
      },
    ],
  });
  const upload = answer.inputsAddJobs.flatMap((job) => job.uploads)[0];
  if (!upload?.id) throw new UploadError("failed", "PostInputsUploads: the answer holds no upload");
  return upload.id;
}

/** The upload's status code, or undefined when the server no longer knows it. */
async function uploadState(caller: Caller, uploadId: string): Promise<number | undefined> {
  try {
    const { upload } = await caller.call("getUpload", { uploadId });
    return upload?.status?.code;
  } catch (error) {
    if (error instanceof ApiError && error.statusCode === StatusCode.CONN_DOES_NOT_EXIST) return undefined;
    throw error;
  }
}

async function sendPart(caller: Caller, uploadId: string, part: number, start: number, data: Buffer): Promise<void> {
  await caller.retrying(async () => {
    const answer = await caller.client.raw("putUploadContentParts", { uploadId, contentParts: [{ rangeStart: start, partNumber: part, data }] });
    const code = answer.status?.code ?? 0;
    const verdict = classifyStatus(code);
    if (verdict === "success") return { done: undefined };
    const message = `PutUploadContentParts part ${part}: ${describeStatus(answer.status)}`;
    if (verdict === "auth") throw new UploadError("auth", message);
    if (verdict === "retry") return { again: message, throttled: code === StatusCode.CONN_THROTTLED };
    throw new ApiError(message, "fatal", code);
  });
}
