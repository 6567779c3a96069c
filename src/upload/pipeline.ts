import { randomBytes } from "node:crypto";
import type { Caller } from "../api/caller.js";
import { UploadError } from "../errors.js";
import type { ReasonCode } from "../reasons.js";
import { INPUT_OVERHEAD_BYTES, planBatches, type Batch, type BatchLimits, type PlannedInput } from "../plan/batcher.js";
import { IdRegistry, idFromName, idSourceText, shardOf, shortHash, shortHashOfChunks, type IdFrom } from "../plan/ids.js";
import type { Candidate, SourceReport } from "../sources/candidate.js";
import { MAX_REQUEST_BYTES_EXCLUSIVE, MiB } from "../validate/limits.js";
import { validate, type Accepted, type Rejected } from "../validate/validate.js";
import { ByteBudget } from "./byte-budget.js";
import { ensureDataset } from "./dataset.js";
import type { EventBus } from "./events.js";
import type { JobLogWriter, JobState } from "./joblog.js";
import { IoBreaks } from "./io-breaks.js";
import { mapConcurrent } from "./map-concurrent.js";
import { metadataFor, type InputDefaults } from "./request.js";
import { RequestBuffers } from "./request-buffers.js";
import type { IdConflictPolicy } from "./conflicts.js";
import { deliverBatch, type DeliveryContext } from "./deliver.js";
import { UnreachableError, type Delivered } from "./delivered.js";
import { previousState } from "./previous-state.js";
import { applyTransform, type TransformFunction } from "./transform.js";
import { DIGEST_METADATA_BYTES } from "./content-digest.js";
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
  /** `--id-conflict`: an id taken on the server by other content. */
  idConflict: IdConflictPolicy;
  /** `--max-processing-attempts`: an input that failed processing this often over all runs is not sent again. */
  maxProcessingAttempts: number;
}

export interface JobLogSink {
  writer: JobLogWriter;
  run: string;
}

/** The connections and sinks a run uses. `caller` and `log` are absent for a dry run. */
export interface UploadServices {
  caller?: Caller;
  bus: EventBus;
  /** The job as its log says it stands (a dry run reads it too). */
  state?: JobState;
  log?: JobLogSink;
  /** Aborted by the first Ctrl-C: stop discovering and sending new batches; finish those in flight. */
  stop: AbortSignal;
}

export interface RunTotals {
  discovered: number;
  uploaded: number;
  /** Dry run: what a real run would send. */
  wouldUpload: number;
  present: number;
  /** The server holds other content under the id, left as it is (--id-conflict skip). */
  kept: number;
  /** The server holds other content under the id (--id-conflict fail), or (dry run) the file changed since acknowledged. */
  conflicts: number;
  rejected: number;
  failed: number;
  /** Left out on purpose by the transform. */
  skipped: number;
  /** Annotations stored (or found already there). */
  annotations: number;
  /** Annotations refused: bad shapes in the files, or refused by the server. */
  annotationsFailed: number;
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
  /** The inputs-add job every batch of this run was posted under (none for a dry run). */
  addJobId?: string;
}

const VALIDATION_CONCURRENCY = 16;
/**
 * Longest stretch of discovery and validation between two turns of the event loop.
 * Measured with the server on its own core (mean of four runs each): without breaks the
 * CLI reached 71% of the wire ceiling, with a break every 1 ms 88%, every 0.1 ms 100%.
 */
const IO_BREAK_MS = 0.1;

/** A candidate after validation (and the transform): a verdict, or left out on purpose. */
/** An input sent again because the platform failed to process it. */
interface Retry {
  processingFailures: number;
}

type Checked =
  | { verdict: Accepted | Rejected; id?: string; regions?: Region[]; regionProblems?: string[]; retry?: Retry }
  | { skipped: Candidate; id: string }
  | { transformError: Candidate; message: string; id: string };

export async function runUpload(plan: UploadPlan, services: UploadServices): Promise<RunResult> {
  const { bus, log } = services;
  const { state } = services;
  const totals: RunTotals = { discovered: 0, uploaded: 0, wouldUpload: 0, present: 0, kept: 0, conflicts: 0, rejected: 0, failed: 0, skipped: 0, annotations: 0, annotationsFailed: 0, notSent: 0, bytes: 0, batches: 0 };
  const addJobId = services.caller ? randomBytes(16).toString("hex") : undefined;
  const registry = new IdRegistry();
  const halt = new AbortController();
  let outcome: RunOutcome = "done";
  let message: string | undefined;
  const stopped = (): boolean => services.stop.aborted || halt.signal.aborted;

  const reject = (source: string, fingerprint: string, reason: ReasonCode, message: string, id?: string, candidate?: Candidate): void => {
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
  };

  for (const problem of plan.annotations?.problems ?? []) {
    totals.annotationsFailed++;
    bus.emit({ type: "annotation_failed", source: problem.split(":")[0] ?? "", message: problem });
  }

  const breaks = new IoBreaks(IO_BREAK_MS);
  /** The id an input gets before validation (with --id-from hash, only after it). */
  const provisionalId = (candidate: Candidate): string | undefined =>
    candidate.id ?? (plan.idFrom === "hash" ? undefined : idFromName(idSourceText(candidate.relPath, plan.idFrom), plan.idPrefix));
  async function* discovered(): AsyncGenerator<{ candidate: Candidate; id?: string; retry?: Retry }> {
    for await (const candidate of plan.candidates(report)) {
      await breaks.pause();
      if (stopped()) break;
      // Inputs re-sent by `status --retry` are this shard's already, whatever their ids hash to.
      const sharded = plan.shard && !plan.resend ? plan.shard : undefined;
      const id = sharded ? provisionalId(candidate) : undefined;
      if (sharded && shardOf(id ?? candidate.relPath, sharded.count) !== sharded.index) continue;
      totals.discovered++;
      bus.emit({ type: "discovered", source: candidate.source });
      const earlier = state && !plan.resend ? previousState(state.latest.get(candidate.source), candidate.fingerprint, plan.maxProcessingAttempts, plan.idConflict) : { kind: "new" as const };
      if (earlier.kind === "settled") {
        if (earlier.status === "kept") {
          totals.kept++;
          bus.emit({ type: "input", id: earlier.id, source: candidate.source, status: "kept", reason: "unchanged_since_last_run", bytes: 0 });
        } else {
          totals.present++;
          bus.emit({ type: "skipped", id: earlier.id, source: candidate.source });
        }
        continue;
      }
      if (earlier.kind === "gave_up") {
        totals.failed++;
        const message = `${candidate.source}: input ${earlier.id} failed processing ${earlier.failures} time(s), as many as --max-processing-attempts allows; not sent again (${earlier.description})`;
        bus.emit({ type: "input", id: earlier.id, source: candidate.source, status: "failed", reason: "processing_failed", message, bytes: 0, candidate });
        continue;
      }
      if (earlier.kind === "changed" && !services.caller) {
        totals.conflicts++;
        bus.emit({ type: "input", id: earlier.id, source: candidate.source, status: "conflict", reason: "changed_since_acknowledged", message: `${candidate.source}: changed since input ${earlier.id} was acknowledged; a real run sends it under --id-conflict`, bytes: 0, candidate });
        continue;
      }
      if (earlier.kind === "reprocess") {
        yield { candidate, id: earlier.id, retry: { processingFailures: earlier.failures } };
        continue;
      }
      // Made only now: on a re-run most inputs are skipped above, and need no id.
      yield { candidate, id: sharded ? id : provisionalId(candidate) };
    }
    bus.emit({ type: "walk_done", discovered: totals.discovered });
  }

  const checked = mapConcurrent(discovered(), VALIDATION_CONCURRENCY, async ({ candidate, id, retry }): Promise<Checked> => {
    const checkedOne = await check(candidate, id);
    return retry && "verdict" in checkedOne ? { ...checkedOne, retry } : checkedOne;
  });

  async function check(candidate: Candidate, id: string | undefined): Promise<Checked> {
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
  }

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
      const retry = result.retry && { replacesFailed: true, processingFailures: result.retry.processingFailures };
      yield { id: claim.id, accepted: verdict, requestBytes, regions: result.regions, ...retry };
    }
  }

  const batches = planBatches(planned(), plan.batchLimits);
  const budget = new ByteBudget(plan.memoryBudgetBytes);
  const buffers = new RequestBuffers(plan.memoryBudgetBytes);
  const { caller } = services;

  const record = (batch: Batch, outcomes: ReadonlyArray<Delivered | DryRunInput>): void => {
    totals.batches++;
    bus.emit({ type: "batch", seq: batch.seq, inputs: batch.inputs.length, bytes: batch.bytes });
    log?.writer.append({ type: "batch", seq: batch.seq, inputs: batch.inputs.length, bytes: batch.bytes, addJob: addJobId ?? "", run: log.run });
    for (const result of outcomes) {
      const { candidate } = result.input.accepted;
      const bytes = result.status === "uploaded" ? result.input.accepted.size : 0;
      totals[TOTAL_OF[result.status]]++;
      totals.bytes += bytes;
      bus.emit({ type: "input", id: result.input.id, source: candidate.source, status: result.status, reason: result.reason, message: result.message, bytes, candidate, digest: result.digest, processingFailures: result.input.processingFailures });
      if (!log) continue;
      const about = { id: result.input.id, source: candidate.source, fingerprint: candidate.fingerprint, digest: result.digest, run: log.run };
      if (result.status === "would_upload") continue;
      if (result.status === "failed" || result.status === "conflict") {
        log.writer.append({ type: result.status, ...about, reason: result.reason ?? result.status, message: result.message ?? "" });
      } else {
        log.writer.append({ type: "ack", ...about, status: result.status, processingFailures: result.input.processingFailures, batch: batch.seq });
      }
    }
    log?.writer.sync();
  };

  // Datasets that rows name (manifests, archives) are created on first use, like --dataset.
  const datasets = new Map<string, Promise<unknown>>();
  if (plan.defaults.datasetId) datasets.set(plan.defaults.datasetId, Promise.resolve());
  const ensureDatasets = async (inputs: readonly PlannedInput[]): Promise<void> => {
    if (!caller) return;
    for (const input of inputs) {
      for (const id of input.accepted.candidate.datasetIds ?? []) {
        if (!datasets.has(id)) datasets.set(id, ensureDataset(caller, id));
        await datasets.get(id);
      }
    }
  };

  /** Posts the regions of the inputs the server holds as sent, before the batch is logged as done. */
  const annotate = async (outcomes: readonly Delivered[]): Promise<void> => {
    if (!caller) return;
    const annotations = outcomes.filter((outcome) => outcome.status === "uploaded" || outcome.status === "present").flatMap((outcome) => annotationsOf(outcome.input));
    if (annotations.length === 0) return;
    const posted = await postAnnotations(caller, annotations);
    totals.annotations += posted.posted + posted.present;
    totals.annotationsFailed += posted.failed.length;
    for (const failure of posted.failed) bus.emit({ type: "annotation_failed", source: failure.inputId, message: failure.message });
  };

  const delivery: DeliveryContext | undefined = caller && {
    caller,
    defaults: plan.defaults,
    idConflict: plan.idConflict,
    header: { userAppId: caller.client.userAppId, inputsAddJobId: addJobId ?? "", inputIdConflictResolution: 0 },
    take: (size) => buffers.take(size),
    give: (buffer) => buffers.give(buffer),
    ensureDatasets,
    loggedDigest: (input) => {
      const earlier = state?.latest.get(input.accepted.candidate.source);
      // A kept input's digest is this side's: the server holds other content under its id.
      return earlier?.type === "ack" && earlier.status !== "kept" && earlier.id === input.id ? earlier.digest : undefined;
    },
  };

  /** Keeps the worst way the run stopped, whichever worker found it (as rclone keeps the worst error). */
  const stopWith = (found: RunOutcome, why: string): void => {
    if (OUTCOME_RANK[found] > OUTCOME_RANK[outcome]) {
      outcome = found;
      message = why;
    }
    halt.abort();
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
      if (!delivery) {
        totals.annotations += batch.inputs.reduce((sum, input) => sum + (input.regions?.length ?? 0), 0);
        record(batch, batch.inputs.map((input) => ({ input, status: "would_upload" as const })));
        continue;
      }
      const held = await budget.acquire(payloadBytes(batch));
      try {
        const outcomes = await deliverBatch(delivery, batch.inputs);
        await annotate(outcomes);
        record(batch, outcomes);
      } catch (error) {
        if (error instanceof UnreachableError) {
          record(batch, error.outcomes);
          stopWith("unreachable", error.message);
        } else if (error instanceof UploadError && (error.code === "auth" || error.code === "interrupted")) {
          totals.notSent += batch.inputs.length;
          stopWith(error.code === "auth" ? "auth" : "interrupted", error.message);
        } else {
          throw error;
        }
      } finally {
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

/** An input a dry run would send. */
interface DryRunInput {
  input: PlannedInput;
  status: "would_upload";
  digest?: undefined;
  reason?: undefined;
  message?: undefined;
}

/** The worse a way to stop, the higher: a run reports the worst any worker found. */
const OUTCOME_RANK: Record<RunOutcome, number> = { done: 0, interrupted: 1, unreachable: 2, auth: 3 };

/** Which total each state of an input counts in. */
const TOTAL_OF = {
  uploaded: "uploaded",
  would_upload: "wouldUpload",
  present: "present",
  kept: "kept",
  conflict: "conflicts",
  failed: "failed",
} as const satisfies Record<Delivered["status"] | "would_upload", keyof RunTotals>;

/** What an input adds to a request: its payload plus id, concepts, metadata and framing. */
function requestBytesOf(accepted: Accepted, id: string, defaults: InputDefaults): number {
  const content = accepted.candidate.content;
  const payload = content.kind === "url" ? content.url.length : accepted.size;
  const metadata = JSON.stringify(metadataFor({ id, accepted, requestBytes: 0 }, defaults)).length;
  return payload + id.length + metadata + DIGEST_METADATA_BYTES + INPUT_OVERHEAD_BYTES;
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
