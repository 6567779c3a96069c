import { describe, expect, it } from "vitest";
import type { UploadEvent } from "../../../src/upload/events.js";
import { RunStats } from "../../../src/upload/run-stats.js";
import { runEvents } from "../../helpers/run-events.js";
import { inputEventOf, textCandidate } from "../../helpers/upload-stage.js";

function totalsOf(events: readonly UploadEvent[]) {
  const stats = new RunStats();
  for (const event of events) stats.listener(event);
  return stats.totals;
}

const nothing = { discovered: 0, uploaded: 0, wouldUpload: 0, present: 0, kept: 0, conflicts: 0, rejected: 0, failed: 0, skipped: 0, annotations: 0, annotationsFailed: 0, annotationFiles: 0, hiddenFiles: 0, symlinksSkipped: 0, specialFiles: 0, notSent: 0, unconfirmed: 0, bytes: 0, batches: 0 };

describe("RunStats", () => {
  it("counts every input once by where it ended, and the run's batches, bytes and annotations", () => {
    expect(totalsOf(runEvents)).toEqual({
      discovered: 12,
      // `up`; `again` was uploaded too, but then failed processing.
      uploaded: 1,
      wouldUpload: 0,
      // `same` from the job log, `dup` found on the server.
      present: 2,
      kept: 2,
      conflicts: 1,
      rejected: 2,
      // `gaveUp` from the job log, `lost`, and `again` that failed processing.
      failed: 3,
      skipped: 1,
      annotations: 3,
      annotationsFailed: 1,
      annotationFiles: 1,
      hiddenFiles: 0,
      symlinksSkipped: 0,
      specialFiles: 0,
      notSent: 4,
      unconfirmed: 2,
      bytes: 21,
      batches: 1,
    });
  });

  it("counts the files a walk left out, by why", () => {
    const stats = new RunStats();
    for (const why of ["hidden", "hidden", "symlink", "not_a_file"] as const) stats.listener({ type: "left_out", source: `/data/${why}`, why });
    expect(stats.totals).toEqual({ ...nothing, hiddenFiles: 2, symlinksSkipped: 1, specialFiles: 1 });
  });

  it("moves an input that failed processing from uploaded to failed, and keeps the bytes it sent", () => {
    const candidate = textCandidate("a");
    const uploaded = inputEventOf(candidate, { status: "uploaded", bytes: 9, batch: 1 });
    expect(totalsOf([uploaded])).toEqual({ ...nothing, uploaded: 1, bytes: 9 });
    const failed = inputEventOf(candidate, { status: "failed", reason: "processing_failed", processing: { code: 30002, description: "bad", attempts: 1 } });
    expect(totalsOf([uploaded, failed])).toEqual({ ...nothing, failed: 1, bytes: 9 });
  });

  it("counts a dry run's inputs as what it would upload, never as uploaded", () => {
    const events: UploadEvent[] = [
      inputEventOf(textCandidate("a"), { status: "would_upload", batch: 1 }),
      inputEventOf(textCandidate("b"), { status: "would_upload", batch: 1 }),
      inputEventOf(textCandidate("c"), { status: "conflict", reason: "changed_since_acknowledged" }),
      { type: "batch", seq: 1, inputs: 2, bytes: 300 },
    ];
    expect(totalsOf(events)).toEqual({ ...nothing, wouldUpload: 2, conflicts: 1, batches: 1 });
  });

  it("counts nothing for events that are no input's outcome", () => {
    const events: UploadEvent[] = [
      { type: "warning", source: "/x", message: "m" },
      { type: "retry", message: "m", attempt: 1, delayMs: 5 },
      { type: "walk_done", discovered: 3 },
      { type: "processing", pending: 1, inProgress: 0, success: 0, failed: 0 },
      { type: "processed", id: "a", source: "/x" },
    ];
    expect(totalsOf(events)).toEqual(nothing);
  });
});
