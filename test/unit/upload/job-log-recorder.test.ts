import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { UploadEvent } from "../../../src/upload/events.js";
import { countInputs } from "../../../src/upload/job-counts.js";
import { jobLogRecorder } from "../../../src/upload/job-log-recorder.js";
import { JobLogWriter, replayJobLog } from "../../../src/upload/joblog.js";
import { RunStats } from "../../../src/upload/run-stats.js";
import { badRow, candidates, digestOfCandidate as digest, runEvents } from "../../helpers/run-events.js";
import { inputEventOf, textCandidate } from "../../helpers/upload-stage.js";

function newLog(): { path: string; writer: JobLogWriter; record: (event: UploadEvent) => void } {
  const path = join(mkdtempSync(join(tmpdir(), "cu-recorder-")), "job.jsonl");
  const writer = new JobLogWriter(path);
  return { path, writer, record: jobLogRecorder(writer, "r2") };
}

const linesOf = (path: string): unknown[] =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as unknown);

/** The events a run decides itself: a first run has no job log to settle anything from. */
const firstRunEvents = runEvents.filter((event) => event.type !== "skipped" && !(event.type === "input" && event.fromLog));

describe("jobLogRecorder", () => {
  it("records each input this run decided, each batch and each processing outcome, and nothing it read from the log", () => {
    const { path, writer, record } = newLog();
    for (const event of runEvents) record(event);
    writer.close();
    const { up, again, dup, kept, clash, lost, empty } = candidates;
    const about = (candidate: typeof up, name: keyof typeof candidates) => ({ id: candidate.id, source: candidate.source, fingerprint: "fp-1", digest: digest(name), run: "r2" });
    expect(linesOf(path)).toEqual([
      { type: "rejected", source: badRow, fingerprint: "", reason: "invalid_url", message: `${badRow}: not a URL`, run: "r2" },
      { type: "rejected", id: "empty", source: empty.source, fingerprint: "fp-1", reason: "empty", message: "/data/empty.txt: no content", run: "r2" },
      { type: "ack", ...about(up, "up"), status: "uploaded", batch: 1 },
      { type: "ack", ...about(again, "again"), status: "uploaded", processingFailures: 1, batch: 1 },
      { type: "ack", ...about(dup, "dup"), status: "present", batch: 1 },
      { type: "ack", ...about(kept, "kept"), status: "kept", batch: 1 },
      { type: "conflict", ...about(clash, "clash"), reason: "id_conflict", message: "/data/clash.txt: id clash holds other content" },
      { type: "failed", ...about(lost, "lost"), reason: "retries_exhausted", message: "/data/lost.txt: gave up after 3 retries" },
      { type: "batch", seq: 1, inputs: 6, bytes: 6200, addJob: "job-1", run: "r2" },
      { type: "processing_failed", ...about(again, "again"), code: 30002, description: "could not decode", attempts: 2 },
      { type: "processed", id: "up", source: up.source, run: "r2" },
    ]);
  });

  it("writes each ack exactly as JSON.stringify writes the record, whatever its strings and optional fields", () => {
    const { path, writer, record } = newLog();
    const odd = { ...textCandidate("odd"), source: '/data/"q"\\b\n\u0001é\ud83d\ude00\ud800.txt', fingerprint: "fp\t2" };
    const events: UploadEvent[] = [
      inputEventOf(textCandidate("a"), { status: "uploaded", digest: "d".repeat(64), batch: 3 }),
      inputEventOf(odd, { status: "present", batch: 1 }),
      inputEventOf(textCandidate("b"), { status: "present", reason: "duplicate_url", digest: "e", processingFailures: 0, annotationsPending: true }),
      inputEventOf(textCandidate("c"), { status: "kept", digest: "f", processingFailures: 2, batch: 7 }),
    ];
    for (const event of events) record(event);
    writer.close();
    const expected = events.map((event) => {
      if (event.type !== "input") throw new Error("an input event");
      const ack = { type: "ack", id: event.id, source: event.source, fingerprint: event.candidate?.fingerprint, digest: event.digest, run: "r2", status: event.status };
      const optional = { processingFailures: event.processingFailures, annotationsPending: event.annotationsPending, underAnotherId: event.reason === "duplicate_url" || undefined };
      return JSON.stringify({ ...ack, ...optional, batch: event.batch ?? 0 });
    });
    expect(readFileSync(path, "utf8")).toBe(`${expected.join("\n")}\n`);
  });

  it("keeps the processing failures of an input sent again on its failure record, and the next run counts them", async () => {
    const { path, writer, record } = newLog();
    const a = textCandidate("a");
    record(inputEventOf(a, { status: "failed", reason: "retries_exhausted", message: "gave up", processingFailures: 2, batch: 1 }));
    writer.close();
    expect(linesOf(path)).toEqual([expect.objectContaining({ type: "failed", processingFailures: 2 })]);
    const state = await replayJobLog(path);
    expect(state.latest.get(a.source)).toMatchObject({ type: "failed", processingFailures: 2 });
    state.latest.close();
  });

  it("writes nothing for a dry run's inputs, the transform's skips, or inputs settled from the log", () => {
    const { path, writer, record } = newLog();
    const a = textCandidate("a");
    record(inputEventOf(a, { status: "would_upload", batch: 1 }));
    record(inputEventOf(a, { status: "skipped", reason: "transform_skipped" }));
    record(inputEventOf(a, { status: "kept", reason: "unchanged_since_last_run", fromLog: true }));
    record(inputEventOf(a, { status: "failed", reason: "processing_failed", fromLog: true }));
    record({ type: "skipped", id: "a", source: a.source });
    writer.close();
    expect(readFileSync(path, "utf8")).toBe("");
  });

  it("puts a batch's records on disk when the batch is delivered, not before", () => {
    const { path, writer, record } = newLog();
    record(inputEventOf(textCandidate("a"), { status: "uploaded", bytes: 1, batch: 1 }));
    expect(readFileSync(path, "utf8")).toBe("");
    record({ type: "batch", seq: 1, inputs: 1, bytes: 100, addJob: "job-1" });
    expect(linesOf(path).map((line) => (line as { type: string }).type)).toEqual(["ack", "batch"]);
    writer.close();
  });

  it("a replay of what it wrote counts the inputs as the run's stats did", async () => {
    const { path, writer, record } = newLog();
    const stats = new RunStats();
    for (const event of firstRunEvents) {
      stats.listener(event);
      record(event);
    }
    writer.close();
    const state = await replayJobLog(path);
    expect(state.corruptLines).toBe(0);
    const counts = countInputs(state);
    expect(counts).toEqual({ acknowledged: 3, uploaded: 0, present: 1, kept: 1, processed: 1, processing_failed: 1, missing: 0, failed: 1, rejected: 2, conflicts: 1, regions_pending: 0 });
    const totals = stats.totals;
    // Uploaded by the run: processed since, or not yet.
    expect(counts.uploaded + counts.processed).toBe(totals.uploaded);
    expect(counts.present).toBe(totals.present);
    expect(counts.kept).toBe(totals.kept);
    expect(counts.conflicts).toBe(totals.conflicts);
    expect(counts.rejected).toBe(totals.rejected);
    // Failed to get in, or got in and then failed processing.
    expect(counts.failed + counts.processing_failed).toBe(totals.failed);
  });
});
