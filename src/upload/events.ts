import type { Reason } from "../reasons.js";
import type { Candidate } from "../sources/candidate.js";

/**
 * Where one input ended up in a run (the states of README's "Input states"):
 * uploaded, present (the server holds the same content), kept (it holds other content,
 * left by --id-conflict skip), conflict (other content, reported), rejected (never sent),
 * failed, skipped (by the transform), would_upload (a dry run's "new").
 */
export type InputStatus = "uploaded" | "present" | "kept" | "conflict" | "rejected" | "failed" | "skipped" | "would_upload";

/**
 * What the stages say. The job log and the reporters subscribe to the same events;
 * no stage prints anything itself.
 */
export type UploadEvent =
  | { type: "discovered"; source: string }
  | { type: "warning"; source: string; message: string }
  /** An annotation that could not be read, was refused by its shape, or was refused by the server. */
  | { type: "annotation_failed"; source: string; message: string }
  /** Acknowledged in an earlier run with the same fingerprint: not sent again. */
  | { type: "skipped"; id: string; source: string }
  | { type: "input"; id?: string; source: string; status: InputStatus; reason?: Reason; message?: string; bytes: number; candidate?: Candidate; digest?: string; processingFailures?: number }
  | { type: "batch"; seq: number; inputs: number; bytes: number }
  | { type: "retry"; message: string; attempt: number; delayMs: number }
  | { type: "walk_done"; discovered: number }
  | { type: "processing"; pending: number; inProgress: number; success: number; failed: number };

export type EventListener = (event: UploadEvent) => void;

/** Fans events out to every listener, in order. */
export class EventBus {
  private readonly listeners: EventListener[] = [];

  on(listener: EventListener): void {
    this.listeners.push(listener);
  }

  emit(event: UploadEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
