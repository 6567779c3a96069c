import type { Candidate } from "../sources/candidate.js";

/** The final outcome of one input in a run. */
export type InputStatus = "uploaded" | "present" | "rejected" | "failed" | "skipped";

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
  | { type: "input"; id?: string; source: string; status: InputStatus; reason?: string; message?: string; bytes: number; candidate?: Candidate }
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
