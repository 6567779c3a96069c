import type { Caller } from "../api/caller.js";
import { UploadError } from "../errors.js";
import type { Batch, PlannedInput } from "../plan/batcher.js";
import { annotationsOf, postAnnotations } from "./annotations.js";
import { ByteBudget } from "./byte-budget.js";
import { ensureDataset } from "./dataset.js";
import { deliverBatch, type DeliveryContext } from "./deliver.js";
import { UnreachableError, type Delivered } from "./delivered.js";
import type { EventBus } from "./events.js";
import type { InputRecord, JobState } from "./joblog.js";
import type { UploadPlan } from "./plan.js";
import { RequestBuffers } from "./request-buffers.js";
import { metadataFor } from "./request.js";

/** An input a dry run would send. */
interface WouldUpload {
  input: PlannedInput;
  status: "would_upload";
  reason?: undefined;
  message?: undefined;
  digest?: undefined;
}

export type RunOutcome = "done" | "interrupted" | "auth" | "unreachable";

/** The worse a way to stop, the higher: a run reports the worst any worker found, as rclone keeps the worst error. */
const OUTCOME_RANK: Record<RunOutcome, number> = { done: 0, interrupted: 1, unreachable: 2, auth: 3 };

export interface SendServices {
  /** Absent for a dry run: batches are only planned. */
  caller?: Caller;
  bus: EventBus;
  state?: JobState;
  /** The inputs-add job of the run. */
  addJobId?: string;
  /** True once the run stops taking new work (Ctrl-C, or a worker found the run cannot go on). */
  stopped: () => boolean;
  /** Stops the other stages when a worker finds the run cannot go on. */
  halt: () => void;
}

/**
 * The last stage: `--concurrency` workers take batches and deliver them (see deliver.ts),
 * post their regions, and say how each input ended. Returns the worst way the run had
 * to stop, if any.
 */
export async function send(plan: UploadPlan, batches: AsyncGenerator<Batch>, services: SendServices): Promise<{ outcome: RunOutcome; message?: string }> {
  const { caller, bus, addJobId } = services;
  const budget = new ByteBudget(plan.memoryBudgetBytes);
  const buffers = new RequestBuffers(plan.memoryBudgetBytes);
  let outcome: RunOutcome = "done";
  let message: string | undefined;

  const stopWith = (found: RunOutcome, why: string): void => {
    if (OUTCOME_RANK[found] > OUTCOME_RANK[outcome]) {
      outcome = found;
      message = why;
    }
    services.halt();
  };

  const record = (batch: Batch, outcomes: ReadonlyArray<Delivered | WouldUpload>, annotationsPending?: ReadonlySet<string>): void => {
    for (const result of outcomes) {
      const { input, status, reason, digest } = result;
      const { candidate } = input.accepted;
      const bytes = status === "uploaded" ? input.accepted.size : 0;
      const pending = annotationsPending?.has(input.id) ? { annotationsPending: true as const } : {};
      bus.emit({ type: "input", id: input.id, source: candidate.source, status, reason, message: result.message, bytes, candidate, digest, processingFailures: input.processingFailures, batch: batch.seq, ...pending });
    }
    bus.emit({ type: "batch", seq: batch.seq, inputs: batch.inputs.length, bytes: batch.bytes, addJob: addJobId });
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

  /**
   * Posts the regions of the inputs the server holds as sent, before the batch is logged
   * as done. Returns the ids of inputs some of whose regions were not stored for a reason
   * that may pass: their acks say so, and the next run posts them again. A region the
   * server refused is reported, not tried again by every run.
   */
  const annotate = async (outcomes: readonly Delivered[]): Promise<Set<string>> => {
    if (!caller) return new Set();
    const annotations = outcomes.filter(holdsContent).flatMap((outcome) => annotationsOf(outcome.input));
    if (annotations.length === 0) return new Set();
    const posted = await postAnnotations(caller, annotations);
    // Regions found there already (posted by an earlier run whose answer was lost, or the same
    // region again) are not counted: the summary counts what this run stored.
    bus.emit({ type: "annotations", posted: posted.posted });
    for (const failure of posted.failed) bus.emit({ type: "annotation_failed", source: failure.inputId, message: failure.message });
    return new Set(posted.failed.filter((failure) => failure.transient).map((failure) => failure.inputId));
  };

  const delivery: DeliveryContext | undefined = caller && {
    caller,
    defaults: plan.defaults,
    idConflict: plan.idConflict,
    namesake:
      plan.idFrom === "name"
        ? {
            pathOf: (input) => metadataFor(input.accepted.candidate, plan.defaults).path,
            isOwn: (input) => holdsOwnContent(services.state?.latest.get(input.accepted.candidate.source), input.id),
            warn: (source, message) => bus.emit({ type: "warning", source, message }),
          }
        : undefined,
    header: { userAppId: caller.client.userAppId, inputsAddJobId: addJobId ?? "", inputIdConflictResolution: 0 },
    take: (size) => buffers.take(size),
    give: (buffer) => buffers.give(buffer),
    ensureDatasets,
    loggedDigest: (input) => {
      const earlier = services.state?.latest.get(input.accepted.candidate.source);
      // A kept input's digest is this side's: the server holds other content under its id.
      return earlier?.type === "ack" && earlier.status !== "kept" && earlier.id === input.id ? earlier.digest : undefined;
    },
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      if (services.stopped()) return;
      const step = await batches.next();
      if (step.done) return;
      const batch = step.value;
      if (services.stopped()) {
        bus.emit({ type: "not_sent", inputs: batch.inputs.length });
        continue;
      }
      if (!delivery) {
        bus.emit({ type: "annotations", posted: batch.inputs.reduce((sum, input) => sum + (input.regions?.length ?? 0), 0) });
        record(batch, batch.inputs.map((input): WouldUpload => ({ input, status: "would_upload" })));
        continue;
      }
      const held = await budget.acquire(payloadBytes(batch));
      try {
        const outcomes = await deliverBatch(delivery, batch.inputs);
        let annotationsPending: Set<string>;
        try {
          annotationsPending = await annotate(outcomes);
        } catch (error) {
          // The inputs are in: they are recorded, with their regions still to post.
          const stop = stopOf(error, delivery.caller.client.everAnswered);
          if (!stop) throw error;
          record(batch, outcomes, withRegions(outcomes));
          stopWith(stop, (error as Error).message);
          continue;
        }
        record(batch, outcomes, annotationsPending);
      } catch (error) {
        const stop = stopOf(error, delivery.caller.client.everAnswered);
        if (error instanceof UnreachableError) {
          // Their regions were never posted.
          record(batch, error.outcomes, withRegions(error.outcomes));
          stopWith("unreachable", error.message);
        } else if (stop) {
          // Cancelled by a second Ctrl-C while it was delivered: what was sent may be stored, unanswered.
          bus.emit({ type: stop === "interrupted" ? "unconfirmed" : "not_sent", inputs: batch.inputs.length });
          stopWith(stop, (error as Error).message);
        } else {
          throw error;
        }
      } finally {
        budget.release(held);
      }
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, plan.concurrency) }, () => worker()));
  // Count what was planned but never sent once the run stopped early.
  if (services.stopped()) for await (const batch of batches) bus.emit({ type: "not_sent", inputs: batch.inputs.length });
  return { outcome, message };
}

/**
 * How a run stops for an error a worker met, or undefined when the error ends the run at
 * once: a bug, or an API never reached at all (one line says where it is not).
 */
function stopOf(error: unknown, everAnswered: boolean): RunOutcome | undefined {
  if (!(error instanceof UploadError)) return undefined;
  if (error.code === "unreachable") return everAnswered ? "unreachable" : undefined;
  return error.code === "auth" || error.code === "interrupted" ? error.code : undefined;
}

/** The ids of inputs the server holds whose regions were not posted. */
function withRegions(outcomes: readonly Delivered[]): Set<string> {
  return new Set(outcomes.filter((outcome) => holdsContent(outcome) && (outcome.input.regions?.length ?? 0) > 0).map((outcome) => outcome.input.id));
}

/** The server holds the input as sent: its regions can be posted. */
function holdsContent(outcome: Delivered): boolean {
  return outcome.status === "uploaded" || outcome.status === "present";
}

function payloadBytes(batch: Batch): number {
  return batch.inputs.reduce((sum, input) => sum + (input.accepted.candidate.content.kind === "bytes" ? input.accepted.size : 0), 0);
}

/** The job log's latest record of a source says its content went up under `id`: acknowledged as its own, failed processing, or found missing since. */
function holdsOwnContent(record: InputRecord | undefined, id: string): boolean {
  if (record === undefined || record.id !== id) return false;
  return record.type === "processing_failed" || record.type === "missing" || (record.type === "ack" && record.status !== "kept");
}
