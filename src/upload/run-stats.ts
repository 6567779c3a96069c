import type { LeftOutReason } from "../sources/candidate.js";
import type { UploadEvent } from "./events.js";

/** What a run did, counted from its events: the summary, `log show` of the run and the exit code read it. */
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
  /** Annotation files (labels, sidecars) found by the walk and left out of the inputs. */
  annotationFiles: number;
  /** Files the walk left out: hidden (without --hidden), symlinks not followed, not regular files. */
  hiddenFiles: number;
  symlinksSkipped: number;
  specialFiles: number;
  /** Valid inputs not sent because the run stopped early. */
  notSent: number;
  /** Cancelled while sent: the server may hold them (the next run finds them present, or sends them). */
  unconfirmed: number;
  bytes: number;
  batches: number;
}

const TOTAL_OF = {
  uploaded: "uploaded",
  would_upload: "wouldUpload",
  present: "present",
  kept: "kept",
  conflict: "conflicts",
  rejected: "rejected",
  failed: "failed",
  skipped: "skipped",
} as const satisfies Record<string, keyof RunTotals>;

const LEFT_OUT_TOTAL = { hidden: "hiddenFiles", symlink: "symlinksSkipped", not_a_file: "specialFiles" } as const satisfies Record<LeftOutReason, keyof RunTotals>;

/** The one stats object of a run, fed by the same events as the reporters and the job log. */
export class RunStats {
  readonly totals: RunTotals = { discovered: 0, uploaded: 0, wouldUpload: 0, present: 0, kept: 0, conflicts: 0, rejected: 0, failed: 0, skipped: 0, annotations: 0, annotationsFailed: 0, annotationFiles: 0, hiddenFiles: 0, symlinksSkipped: 0, specialFiles: 0, notSent: 0, unconfirmed: 0, bytes: 0, batches: 0 };

  readonly listener = (event: UploadEvent): void => {
    const totals = this.totals;
    switch (event.type) {
      case "discovered":
        totals.discovered++;
        break;
      case "skipped":
        totals.present++;
        break;
      case "input":
        totals[TOTAL_OF[event.status]]++;
        totals.bytes += event.bytes;
        // Uploaded in this run, then failed processing: it did not get in after all.
        if (event.processing) totals.uploaded--;
        break;
      case "batch":
        totals.batches++;
        break;
      case "not_sent":
        totals.notSent += event.inputs;
        break;
      case "unconfirmed":
        totals.unconfirmed += event.inputs;
        break;
      case "annotations":
        totals.annotations += event.posted;
        break;
      case "annotation_failed":
        totals.annotationsFailed++;
        break;
      case "annotation_file":
        totals.annotationFiles++;
        break;
      case "left_out":
        totals[LEFT_OUT_TOTAL[event.why]]++;
        break;
    }
  };
}
