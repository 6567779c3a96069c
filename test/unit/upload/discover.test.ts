import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shardOf } from "../../../src/plan/ids.js";
import type { Candidate } from "../../../src/sources/candidate.js";
import { discover, type Discovered } from "../../../src/upload/discover.js";
import { JobLogWriter, replayJobLog, type JobRecord, type JobState } from "../../../src/upload/joblog.js";
import type { UploadPlan } from "../../../src/upload/plan.js";
import { collectGroups, fromArray, recordingBus, testPlan, textCandidate } from "../../helpers/upload-stage.js";

/** A job state as a re-run sees it: `records` written with the job log's writer, then replayed. */
async function stateOf(records: readonly JobRecord[]): Promise<JobState> {
  const path = join(mkdtempSync(join(tmpdir(), "cu-discover-")), "job.jsonl");
  const writer = new JobLogWriter(path);
  for (const record of records) writer.append(record);
  writer.close();
  return replayJobLog(path);
}

const ack = (name: string, status: "uploaded" | "kept", fingerprint = "fp-1"): JobRecord => ({ type: "ack", id: name, source: `/data/${name}.txt`, fingerprint, status, digest: "d".repeat(64), batch: 1, run: "r1" });
const processingFailed = (name: string, attempts: number): JobRecord => ({ type: "processing_failed", id: name, source: `/data/${name}.txt`, fingerprint: "fp-1", code: 30002, description: "could not decode", attempts, run: "r1" });

/**
 * The job log of an earlier run: `same` acknowledged, `kept` left by --id-conflict skip,
 * `retry` failed processing once, `given` three times, `edited` acknowledged before its file changed.
 */
const earlierRun: JobRecord[] = [ack("same", "uploaded"), ack("kept", "kept"), processingFailed("retry", 1), processingFailed("given", 3), ack("edited", "uploaded", "fp-0")];

/** Runs discovery over the plan's candidates, to the end of the walk. */
async function run(plan: UploadPlan, state: JobState | undefined, options: { dryRun?: boolean } = {}) {
  const { bus, events } = recordingBus();
  const candidates = plan.candidates({ rejected: () => undefined, warning: () => undefined });
  const yielded = await collectGroups(discover(plan, candidates, bus, state, () => false, options.dryRun ?? false));
  return { events, yielded };
}

const yieldedIds = (yielded: readonly Discovered[]) => yielded.map((item) => [item.id, item.retry?.processingFailures]);

describe("discover", () => {
  it("settles from the job log what needs no sending, and passes on the rest", async () => {
    const candidates = ["same", "kept", "retry", "given", "edited", "new"].map((name) => textCandidate(name));
    const given = candidates[3]!;
    const { events, yielded } = await run(testPlan(candidates, { idConflict: "skip" }), await stateOf(earlierRun));

    expect(yieldedIds(yielded)).toEqual([
      ["retry", 1],
      ["edited", undefined],
      ["new", undefined],
    ]);
    expect(yielded.map((item) => item.candidate.source)).toEqual(["/data/retry.txt", "/data/edited.txt", "/data/new.txt"]);
    expect(events).toEqual([
      { type: "discovered", source: "/data/same.txt" },
      { type: "skipped", id: "same", source: "/data/same.txt" },
      { type: "discovered", source: "/data/kept.txt" },
      { type: "input", id: "kept", source: "/data/kept.txt", status: "kept", reason: "unchanged_since_last_run", bytes: 0, fromLog: true },
      { type: "discovered", source: "/data/retry.txt" },
      { type: "discovered", source: "/data/given.txt" },
      {
        type: "input",
        id: "given",
        source: "/data/given.txt",
        status: "failed",
        reason: "processing_failed",
        message: "/data/given.txt: input given failed processing 3 time(s), as many as --max-processing-attempts allows; not sent again (could not decode)",
        bytes: 0,
        candidate: given,
        fromLog: true,
      },
      { type: "discovered", source: "/data/edited.txt" },
      { type: "discovered", source: "/data/new.txt" },
      { type: "walk_done", discovered: 6 },
    ]);
  });

  it("sends again an input kept under skip when the run asks for another policy", async () => {
    const { events, yielded } = await run(testPlan([textCandidate("kept")], { idConflict: "replace" }), await stateOf(earlierRun));
    expect(yieldedIds(yielded)).toEqual([["kept", undefined]]);
    expect(events).toEqual([
      { type: "discovered", source: "/data/kept.txt" },
      { type: "walk_done", discovered: 1 },
    ]);
  });

  it("an input kept under skip stays kept once `status` saw the server's input processed: its bytes were never sent", async () => {
    const state = await stateOf([...earlierRun, { type: "processed", id: "kept", source: "/data/kept.txt", run: "r2" }]);
    const underSkip = await run(testPlan([textCandidate("kept")], { idConflict: "skip" }), state);
    expect(underSkip.events[1]).toEqual({ type: "input", id: "kept", source: "/data/kept.txt", status: "kept", reason: "unchanged_since_last_run", bytes: 0, fromLog: true });
    const underReplace = await run(testPlan([textCandidate("kept")], { idConflict: "replace" }), state);
    expect(yieldedIds(underReplace.yielded)).toEqual([["kept", undefined]]);
    expect(underReplace.events.some((event) => event.type === "skipped")).toBe(false);
  });

  it("gives up on a processing failure only at --max-processing-attempts", async () => {
    const state = await stateOf(earlierRun);
    const below = await run(testPlan([textCandidate("given")], { maxProcessingAttempts: 4 }), state);
    expect(yieldedIds(below.yielded)).toEqual([["given", 3]]);
    const at = await run(testPlan([textCandidate("retry")], { maxProcessingAttempts: 1 }), state);
    expect(at.yielded).toEqual([]);
    expect(at.events[1]).toMatchObject({ type: "input", id: "retry", status: "failed", reason: "processing_failed", fromLog: true });
  });

  it("a dry run reports a file changed since it was acknowledged as a conflict; a real run sends it", async () => {
    const edited = textCandidate("edited");
    const state = await stateOf(earlierRun);
    const dry = await run(testPlan([edited]), state, { dryRun: true });
    expect(dry.yielded).toEqual([]);
    expect(dry.events).toEqual([
      { type: "discovered", source: "/data/edited.txt" },
      {
        type: "input",
        id: "edited",
        source: "/data/edited.txt",
        status: "conflict",
        reason: "changed_since_acknowledged",
        message: "/data/edited.txt: changed since input edited was acknowledged; a real run sends it under --id-conflict",
        bytes: 0,
        candidate: edited,
      },
      { type: "walk_done", discovered: 1 },
    ]);
    const real = await run(testPlan([edited]), state);
    expect(yieldedIds(real.yielded)).toEqual([["edited", undefined]]);
  });

  it("with a resend (status --retry), sends what the log settled, keeps counts of failed processing, and not what failed as often as allowed", async () => {
    const candidates = ["same", "kept", "retry", "given"].map((name) => textCandidate(name));
    const { events, yielded } = await run(testPlan(candidates, { resend: true }), await stateOf(earlierRun));
    expect(yielded.map((item) => [item.id, item.retry])).toEqual([
      ["same", undefined],
      ["kept", undefined],
      // Failed processing: deleted as it is sent again (status --retry itself deletes nothing).
      ["retry", { processingFailures: 1, replacesFailed: true }],
    ]);
    const others = events.filter((event) => event.type !== "discovered");
    expect(others).toHaveLength(2);
    expect(others[0]).toMatchObject({ type: "input", id: "given", status: "failed", reason: "processing_failed", fromLog: true });
    expect(others[1]).toEqual({ type: "walk_done", discovered: 4 });
  });

  it("--shard keeps only its shard's candidates, and the shards split the candidates with no overlap", async () => {
    const candidates = Array.from({ length: 24 }, (_, n) => textCandidate(`pic${n}`));
    const seen: string[] = [];
    for (let index = 0; index < 3; index++) {
      const { events, yielded } = await run(testPlan(candidates, { shard: { index, count: 3 } }), undefined);
      const ids = yielded.map((item) => item.id ?? "");
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(shardOf(id, 3)).toBe(index);
      expect(events.filter((event) => event.type === "discovered")).toHaveLength(ids.length);
      expect(events.at(-1)).toEqual({ type: "walk_done", discovered: ids.length });
      seen.push(...ids);
    }
    expect(seen.sort()).toEqual(candidates.map((candidate) => candidate.id ?? "").sort());
  });

  it("stops taking candidates once the run is stopped, and counts those it took", async () => {
    const candidates = ["a", "b", "c", "d"].map((name) => textCandidate(name));
    const { bus, events } = recordingBus();
    // Stopped (a Ctrl-C) once two candidates were discovered, within the group of four.
    const stopped = (): boolean => events.filter((event) => event.type === "discovered").length >= 2;
    const taken = (await collectGroups(discover(testPlan(candidates), fromArray([candidates]), bus, undefined, stopped, false))).map((item) => item.candidate.source);
    expect(taken).toEqual(["/data/a.txt", "/data/b.txt"]);
    expect(events.at(-1)).toEqual({ type: "walk_done", discovered: 2 });
  });

  it("does not ask a file the job never saw for its fingerprint (its first read stats it)", async () => {
    const fresh: Candidate = {
      source: "/data/fresh.txt",
      relPath: "fresh.txt",
      content: { kind: "text", text: "t" },
      get fingerprint(): string {
        throw new Error("stat'ed at discovery");
      },
    };
    const { yielded } = await run(testPlan([fresh]), await stateOf(earlierRun));
    expect(yielded.map((item) => item.candidate.source)).toEqual(["/data/fresh.txt"]);
  });

  it("derives an id from the path when the candidate has none, and with --id-from hash leaves it to validation", async () => {
    const bare: Candidate = { source: "/data/x/y.txt", relPath: "x/y.txt", content: { kind: "text", text: "y" }, fingerprint: "f" };
    const byPath = await run(testPlan([bare], { idPrefix: "p-" }), undefined);
    expect(byPath.yielded.map((item) => item.id)).toEqual([expect.stringMatching(/^p-x_y_txt-[0-9a-f]{8}$/)]);
    const byHash = await run(testPlan([bare], { idFrom: "hash" }), undefined);
    expect(byHash.yielded).toEqual([{ candidate: bare, id: undefined }]);
  });
});
