import { randomBytes } from "node:crypto";
import type { ClarifaiClient } from "../api/client.js";
import type { RateLimiter } from "../api/rate-limiter.js";
import type { RetryPolicy } from "../api/retry.js";
import { UploadError } from "../errors.js";
import { INPUT_OVERHEAD_BYTES, planBatches, type Batch, type BatchLimits, type PlannedInput } from "../plan/batcher.js";
import { IdRegistry, idFromName, idSourceText, shardOf, shortHash, shortHashOfChunks, type IdFrom } from "../plan/ids.js";
import type { Candidate, SourceReport } from "../sources/candidate.js";
import { MAX_REQUEST_BYTES_EXCLUSIVE, MiB } from "../validate/limits.js";
import { validate, type Accepted, type Rejected } from "../validate/validate.js";
import { ByteBudget } from "./byte-budget.js";
import { ensureDataset } from "./dataset.js";
import type { EventBus } from "./events.js";
import { alreadyAcknowledged, type JobLogWriter, type JobState } from "./joblog.js";
import { IoBreaks } from "./io-breaks.js";
import { mapConcurrent } from "./map-concurrent.js";
import { encodeBatch, metadataFor, type EncodedBatch, type InputDefaults } from "./request.js";
import { RequestBuffers } from "./request-buffers.js";
import { sendBatch, UnreachableError, type InputOutcome, type SenderContext } from "./sender.js";
import { applyTransform, type TransformFunction } from "./transform.js";
import { annotationsOf, postAnnotations, type AnnotationSource } from "./annotations.js";
import type { Region } from "../gen/clarifai/api/resources.js";

export interface Shard {
  index: number;
  count: number;
}

/** What to upload and how: everything the CLI decided, as plain data. */
export interface UploadPlan {
  candidates: (report: SourceReport) => AsyncIterable<Candidate>;
  idFrom: IdFrom;
  idPrefix: string;
  shard?: Shard;
  batchLimits: BatchLimits;
  concurrency: number;
  /** Bytes of file content all batches in flight may hold at once. */
  memoryBudgetBytes: number;
  defaults: InputDefaults;
  dryRun: boolean;
  /** `--transform`: changes each accepted input, or skips it, before it is packed. */
  transform?: TransformFunction;
  /** `--annotations`, `--sidecars`: regions posted for each input once it is accepted. */
  annotations?: AnnotationSource;
  /** Send even inputs the job log says were acknowledged, and whatever shard their ids fall in (status --retry after deleting them). */
  resend?: boolean;
}

export interface JobLogSink {
  writer: JobLogWriter;
  state: JobState;
  run: string;
}

/** The connections and sinks a run uses. `client` is absent for a dry run. */
export interface UploadServices {
  client?: ClarifaiClient;
  limiter: RateLimiter;
  retry: RetryPolicy;
  bus: EventBus;
  log?: JobLogSink;
  /** Aborted by the first Ctrl-C: stop discovering and sending new batches; finish those in flight. */
  stop: AbortSignal;
}

export interface RunTotals {
  discovered: number;
  uploaded: number;
  present: number;
  rejected: number;
  failed: number;
  /** Left out on purpose by the transform. */
  skipped: number;
  /** Annotations stored (or found already there). */
  annotations: number;
  /** Annotations refused: bad shapes in the files, or refused by the server. */
  annotationsFailed: number;
  /** Annotation files (labels, sidecars) found by the walk and left out of the inputs. */
  annotationFiles?: number;
  /** Valid inputs not sent because the run stopped early. */
  notSent: number;
  bytes: number;
  batches: number;
}

export type RunOutcome = "done" | "interrupted" | "auth" | "unreachable";

export interface RunResult {
  totals: RunTotals;
  outcome: RunOutcome;
  /** Why the run stopped early. */
  message?: string;
  /** The inputs-add job every batch of this run was posted under. */
  addJobId: string;
}

const VALIDATION_CONCURRENCY = 16;
/**
 * Longest stretch of discovery and validation between two turns of the event loop.
 * Measured with the server on its own core (mean of four runs each): without breaks the
 * CLI reached 71% of the wire ceiling, with a break every 1 ms 88%, every 0.1 ms 100%.
 */
const IO_BREAK_MS = 0.1;

/** A candidate after validation (and the transform): a verdict, or left out on purpose. */
type Checked =
  | { verdict: Accepted | Rejected; id?: string; regions?: Region[]; regionProblems?: string[] }
  | { skipped: Candidate; id: string }
  | { transformError: Candidate; message: string; id: string };

export async function runUpload(plan: UploadPlan, services: UploadServices): Promise<RunResult> {
  const { bus, log } = services;
  const totals: RunTotals = { discovered: 0, uploaded: 0, present: 0, rejected: 0, failed: 0, skipped: 0, annotations: 0, annotationsFailed: 0, notSent: 0, bytes: 0, batches: 0 };
  const addJobId = randomBytes(16).toString("hex");
  const registry = new IdRegistry();
  const halt = new AbortController();
  let outcome: RunOutcome = "done";
  let message: string | undefined;
  const stopped = (): boolean => services.stop.aborted || halt.signal.aborted;

  const reject = (source: string, fingerprint: string, reason: string, message: string, id?: string, candidate?: Candidate): void => {
    totals.rejected++;
    bus.emit({ type: "input", id, source, status: "rejected", reason, message, bytes: 0, candidate });
    log?.writer.append({ type: "rejected", id, source, fingerprint, reason, message, run: log.run });
  };
  const recordRejected = (rejected: Rejected, id?: string): void =>
    reject(rejected.candidate.source, rejected.candidate.fingerprint, rejected.reason, rejected.message, id, rejected.candidate);
  const report: SourceReport = {
    rejected(source, reason, message) {
      totals.discovered++;
      bus.emit({ type: "discovered", source });
      reject(source, "", reason, message);
    },
    warning: (source, message) => bus.emit({ type: "warning", source, message }),
    annotationFile: () => void (totals.annotationFiles = (totals.annotationFiles ?? 0) + 1),
  };

  for (const problem of plan.annotations?.problems ?? []) {
    totals.annotationsFailed++;
    bus.emit({ type: "annotation_failed", source: problem.split(":")[0] ?? "", message: problem });
  }

  const breaks = new IoBreaks(IO_BREAK_MS);
  /** The id an input gets before validation (with --id-from hash, only after it). */
  const provisionalId = (candidate: Candidate): string | undefined =>
    candidate.id ?? (plan.idFrom === "hash" ? undefined : idFromName(idSourceText(candidate.relPath, plan.idFrom), plan.idPrefix));
  async function* discovered(): AsyncGenerator<{ candidate: Candidate; id?: string }> {
    for await (const candidate of plan.candidates(report)) {
      await breaks.pause();
      if (stopped()) break;
      // Inputs re-sent by `status --retry` are this shard's already, whatever their ids hash to.
      const sharded = plan.shard && !plan.resend ? plan.shard : undefined;
      const id = sharded ? provisionalId(candidate) : undefined;
      if (sharded && shardOf(id ?? candidate.relPath, sharded.count) !== sharded.index) continue;
      totals.discovered++;
      bus.emit({ type: "discovered", source: candidate.source });
      const earlier = log && !plan.resend ? alreadyAcknowledged(log.state, candidate.source, candidate.fingerprint) : undefined;
      if (earlier) {
        totals.present++;
        bus.emit({ type: "skipped", id: earlier.id, source: candidate.source });
        continue;
      }
      // Made only now: on a re-run most inputs are skipped above, and need no id.
      yield { candidate, id: sharded ? id : provisionalId(candidate) };
    }
    bus.emit({ type: "walk_done", discovered: totals.discovered });
  }

  const checked = mapConcurrent(discovered(), VALIDATION_CONCURRENCY, async ({ candidate, id }): Promise<Checked> => {
    const verdict = await validate(candidate);
    if (verdict.status === "rejected") return { verdict, id };
    let finalId = id;
    if (finalId === undefined) {
      try {
        finalId = plan.idPrefix + (await contentHash(verdict));
      } catch (error) {
        return { verdict: { status: "rejected", candidate, reason: "unreadable", message: `${candidate.source}: ${(error as Error).message}` }, id };
      }
    }
    let result: Checked = { verdict, id: finalId };
    if (plan.transform) {
      const transformed = await applyTransform(plan.transform, verdict, finalId, plan.defaults);
      if (transformed.kind === "skip") return { skipped: candidate, id: finalId };
      if (transformed.kind === "error") return { transformError: candidate, message: transformed.message, id: finalId };
      result = { verdict: await validate(transformed.candidate), id: transformed.id };
    }
    if (plan.annotations && "verdict" in result && result.verdict.status === "accepted") {
      const { regions, problems } = await plan.annotations.regionsFor(result.verdict);
      result = { ...result, regions, regionProblems: problems };
    }
    return result;
  });

  async function* planned(): AsyncGenerator<PlannedInput> {
    for await (const result of checked) {
      if ("skipped" in result) {
        totals.skipped++;
        bus.emit({ type: "input", id: result.id, source: result.skipped.source, status: "skipped", reason: "transform_skipped", message: `${result.skipped.source}: the transform left it out`, bytes: 0 });
        continue;
      }
      if ("transformError" in result) {
        reject(result.transformError.source, result.transformError.fingerprint, "transform_error", result.message, result.id, result.transformError);
        continue;
      }
      const { verdict, id } = result;
      for (const problem of result.regionProblems ?? []) {
        totals.annotationsFailed++;
        bus.emit({ type: "annotation_failed", source: verdict.candidate.source, message: problem });
      }
      if (verdict.status === "rejected") {
        recordRejected(verdict, id);
        continue;
      }
      for (const warning of verdict.warnings) bus.emit({ type: "warning", source: verdict.candidate.source, message: warning });
      const claim = registry.claim(id ?? idFromName(verdict.candidate.relPath, plan.idPrefix), verdict.candidate.relPath);
      if (claim.collidedWith) {
        bus.emit({ type: "warning", source: verdict.candidate.source, message: `${verdict.candidate.source}: id ${claim.collidedWith} is taken by another input of this run; using ${claim.id}` });
      }
      const requestBytes = requestBytesOf(verdict, claim.id, plan.defaults);
      if (requestBytes >= MAX_REQUEST_BYTES_EXCLUSIVE) {
        const limit = MAX_REQUEST_BYTES_EXCLUSIVE / MiB;
        recordRejected({ status: "rejected", candidate: verdict.candidate, reason: "too_large", message: `${verdict.candidate.source}: with its id and metadata it needs a ${requestBytes}-byte request; a request must stay under ${limit} MiB` }, claim.id);
        continue;
      }
      yield { id: claim.id, accepted: verdict, requestBytes, regions: result.regions };
    }
  }

  const batches = planBatches(planned(), plan.batchLimits);
  const budget = new ByteBudget(plan.memoryBudgetBytes);
  const buffers = new RequestBuffers(plan.memoryBudgetBytes);
  const sender: SenderContext | undefined = services.client && {
    client: services.client,
    limiter: services.limiter,
    retry: services.retry,
    onRetry: (problem, attempt, delayMs) => bus.emit({ type: "retry", message: problem, attempt, delayMs }),
  };

  const record = (batch: Batch, outcomes: readonly InputOutcome[]): void => {
    totals.batches++;
    bus.emit({ type: "batch", seq: batch.seq, inputs: batch.inputs.length, bytes: batch.bytes });
    log?.writer.append({ type: "batch", seq: batch.seq, inputs: batch.inputs.length, bytes: batch.bytes, addJob: addJobId, run: log.run });
    for (const result of outcomes) {
      const { candidate } = result.input.accepted;
      const bytes = result.status === "uploaded" ? result.input.accepted.size : 0;
      if (result.status === "failed") totals.failed++;
      else totals[result.status]++;
      totals.bytes += bytes;
      bus.emit({ type: "input", id: result.input.id, source: candidate.source, status: result.status, reason: result.reason, message: result.message, bytes, candidate });
      if (!log) continue;
      if (result.status === "failed") {
        log.writer.append({ type: "failed", id: result.input.id, source: candidate.source, fingerprint: candidate.fingerprint, reason: result.reason ?? "failed", message: result.message ?? "", run: log.run });
      } else {
        log.writer.append({ type: "ack", id: result.input.id, source: candidate.source, fingerprint: candidate.fingerprint, status: result.status, batch: batch.seq, run: log.run });
      }
    }
    log?.writer.sync();
  };

  // Datasets that rows name (manifests, archives) are created on first use, like --dataset.
  const datasets = new Map<string, Promise<unknown>>();
  if (plan.defaults.datasetId) datasets.set(plan.defaults.datasetId, Promise.resolve());
  const ensureDatasets = async (client: ClarifaiClient, inputs: readonly PlannedInput[]): Promise<void> => {
    for (const input of inputs) {
      for (const id of input.accepted.candidate.datasetIds ?? []) {
        if (!datasets.has(id)) datasets.set(id, ensureDataset(client, id));
        await datasets.get(id);
      }
    }
  };

  /** Posts the regions of the inputs the server took, before the batch is logged as done. */
  const annotate = async (context: SenderContext, outcomes: readonly InputOutcome[]): Promise<void> => {
    const annotations = outcomes.filter((outcome) => outcome.status !== "failed").flatMap((outcome) => annotationsOf(outcome.input));
    if (annotations.length === 0) return;
    const posted = await postAnnotations(context, annotations);
    totals.annotations += posted.posted + posted.present;
    totals.annotationsFailed += posted.failed.length;
    for (const failure of posted.failed) bus.emit({ type: "annotation_failed", source: failure.inputId, message: failure.message });
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (stopped()) return;
      const step = await batches.next();
      if (step.done) return;
      const batch = step.value;
      if (stopped()) {
        totals.notSent += batch.inputs.length;
        continue;
      }
      if (!sender) {
        totals.annotations += batch.inputs.reduce((sum, input) => sum + (input.regions?.length ?? 0), 0);
        record(batch, batch.inputs.map((input) => ({ input, status: "uploaded" })));
        continue;
      }
      const held = await budget.acquire(payloadBytes(batch));
      let encoded: EncodedBatch | undefined;
      try {
        const header = { userAppId: sender.client.userAppId, inputsAddJobId: addJobId, inputIdConflictResolution: 0 };
        encoded = await encodeBatch(batch.inputs, plan.defaults, header, (size) => buffers.take(size));
        const unreadable = encoded.unreadable.map(({ input, message }): InputOutcome => ({ input, status: "failed", reason: "unreadable", message }));
        await ensureDatasets(sender.client, encoded.entries.map((entry) => entry.input));
        const outcomes = encoded.entries.length > 0 ? await sendBatch(sender, encoded) : [];
        await annotate(sender, outcomes);
        record(batch, [...unreadable, ...outcomes]);
      } catch (error) {
        if (error instanceof UnreachableError) {
          record(batch, error.outcomes);
          outcome = "unreachable";
        } else if (error instanceof UploadError && error.code === "auth") {
          totals.notSent += batch.inputs.length;
          outcome = "auth";
        } else {
          throw error;
        }
        message = error.message;
        halt.abort();
      } finally {
        // The call is over: grpc-js sent its own framed copy of the request, if anything.
        if (encoded) buffers.give(encoded.request.buffer);
        budget.release(held);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, () => worker()));
    // Count what was planned but never sent once the run stopped early.
    if (stopped()) for await (const batch of batches) totals.notSent += batch.inputs.length;
  } finally {
    await batches.return(undefined);
    log?.writer.sync();
  }
  if (outcome === "done" && services.stop.aborted) outcome = "interrupted";
  return { totals, outcome, message, addJobId };
}

/** What an input adds to a request: its payload plus id, concepts, metadata and framing. */
function requestBytesOf(accepted: Accepted, id: string, defaults: InputDefaults): number {
  const content = accepted.candidate.content;
  const payload = content.kind === "url" ? content.url.length : accepted.size;
  const metadata = JSON.stringify(metadataFor({ id, accepted, requestBytes: 0 }, defaults)).length;
  return payload + id.length + metadata + INPUT_OVERHEAD_BYTES;
}

function payloadBytes(batch: Batch): number {
  return batch.inputs.reduce((sum, input) => sum + (input.accepted.candidate.content.kind === "bytes" ? input.accepted.size : 0), 0);
}

async function contentHash(accepted: Accepted): Promise<string> {
  const content = accepted.candidate.content;
  if (content.kind === "url") return shortHash(content.url, 32);
  if (content.kind === "text") return shortHash(content.text, 32);
  // In chunks: validation runs 16 at a time, and 16 large files read whole for their hash would not fit in memory.
  return shortHashOfChunks(content.bytes.chunks(), 32);
}
