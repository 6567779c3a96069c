import type { Reason } from "../reasons.js";
import type { Candidate, LeftOutReason, RefusedRow } from "../sources/candidate.js";

/**
 * Where one input ended up in a run (the states of README's "Input states"):
 * uploaded, present (the server holds the same content), kept (it holds other content,
 * left by --id-conflict skip), conflict (other content, reported), rejected (never sent),
 * failed, skipped (by the transform), would_upload (a dry run's "new").
 */
export type InputStatus = "uploaded" | "present" | "kept" | "conflict" | "rejected" | "failed" | "skipped" | "would_upload";

/** What the run knows of one input: the reporters show it, the stats count it, the job log records it. */
export interface InputEvent {
  type: "input";
  id?: string;
  source: string;
  status: InputStatus;
  reason?: Reason;
  message?: string;
  /** Bytes of content this run sent for it. */
  bytes: number;
  candidate?: Candidate;
  /** The digest of the content sent. */
  digest?: string;
  /** Times the platform failed to process it before this run. */
  processingFailures?: number;
  /** The batch that carried it (absent for inputs never sent). */
  batch?: number;
  /** Its state was already in the job log (kept, or given up after processing failures): nothing new to record. */
  fromLog?: true;
  /** Some of its regions were not stored: the next run posts them again. */
  annotationsPending?: true;
  /** `--wait` found that the platform failed to process this input, uploaded earlier in this run. */
  processing?: { code: number; description: string; attempts: number };
  /** A manifest row refused before it became a candidate, as it was (see RefusedRow). */
  row?: RefusedRow;
}

/**
 * What the stages say. The job log, the run's stats and the reporters subscribe to the
 * same events; no stage prints, counts or records anything itself.
 */
export type UploadEvent =
  | { type: "discovered"; source: string }
  | { type: "warning"; source: string; message: string }
  /** An annotation that could not be read, was refused by its shape, or was refused by the server. */
  | { type: "annotation_failed"; source: string; message: string }
  /** A file the walk found that is an annotation file (a label file, a sidecar): not an input. */
  | { type: "annotation_file"; source: string }
  /** A file the walk left out without reading it. */
  | { type: "left_out"; source: string; why: LeftOutReason }
  /** Annotations stored, or found already there. */
  | { type: "annotations"; posted: number }
  /** Acknowledged in an earlier run with the same fingerprint: not sent again. */
  | { type: "skipped"; id: string; source: string }
  | InputEvent
  /** A batch is delivered: its inputs' events came before. */
  | { type: "batch"; seq: number; inputs: number; bytes: number; addJob?: string }
  /** Valid inputs not sent because the run stopped early. */
  | { type: "not_sent"; inputs: number }
  /** Inputs whose request a second Ctrl-C cancelled: it may have reached the server, and no answer came. */
  | { type: "unconfirmed"; inputs: number }
  | { type: "retry"; message: string; attempt: number; delayMs: number }
  | { type: "walk_done"; discovered: number }
  | { type: "processing"; pending: number; inProgress: number; success: number; failed: number }
  /** `--wait` saw the platform process an input of this run (a failure is an input event with `processing`). */
  | { type: "processed"; id: string; source: string };

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
