import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputIndex } from "../../../src/upload/input-index.js";
import { JobLogWriter, replayJobLog, type JobState } from "../../../src/upload/joblog.js";
import { previousState } from "../../../src/upload/previous-state.js";

const decide = (state: JobState, source: string, fingerprint: string) => previousState(state.latest.get(source), fingerprint, 3);

describe("job log", () => {
  it("replays acks and ignores a torn last line", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cu-log-")), "job.jsonl");
    const writer = new JobLogWriter(path);
    writer.append({ type: "header", version: 1, job: "j", created: "now", command: "folder", args: ["/x"], target: { api: "a", user: "u", app: "p" }, options: {} });
    writer.append({ type: "ack", id: "a", source: "/x/a.jpg", fingerprint: "1:2", status: "uploaded", batch: 1, run: "r" });
    writer.append({ type: "failed", id: "b", source: "/x/b.jpg", fingerprint: "3:4", reason: "unreachable", message: "m", run: "r" });
    writer.close();
    appendFileSync(path, '{"type":"ack","id":"c","sou');

    const state = await replayJobLog(path);
    expect(state.header?.job).toBe("j");
    expect(state.corruptLines).toBe(1);
    expect(decide(state, "/x/a.jpg", "1:2")).toEqual({ kind: "settled", status: "present", id: "a" });
    expect(decide(state, "/x/a.jpg", "9:9")).toEqual({ kind: "changed", id: "a" });
    expect(decide(state, "/x/b.jpg", "3:4")).toEqual({ kind: "new" });

    // A later writer starts on a fresh line, so the torn line never merges with new records.
    const again = new JobLogWriter(path);
    again.append({ type: "ack", id: "b", source: "/x/b.jpg", fingerprint: "3:4", status: "present", batch: 2, run: "r2" });
    again.close();
    const replayed = await replayJobLog(path);
    expect(replayed.corruptLines).toBe(1);
    expect(replayed.latest.get("/x/b.jpg")).toMatchObject({ type: "ack", status: "present" });
    expect(readFileSync(path, "utf8")).not.toMatch(/pat/i);
  });

  it("keeps each source's latest outcome compactly, and gives it back whole", () => {
    const latest = InputIndex.inMemory();
    latest.set({ type: "ack", id: "a-1", source: "/x/a.jpg", fingerprint: "10:20", status: "uploaded", batch: 3, run: "r" });
    expect(latest.get("/x/a.jpg")).toMatchObject({ type: "ack", id: "a-1", fingerprint: "10:20", status: "uploaded", source: "/x/a.jpg" });
    latest.set({ type: "failed", id: "a-1", source: "/x/a.jpg", fingerprint: "11:21", reason: "unreachable", message: "m", run: "r" });
    expect(latest.get("/x/a.jpg")).toMatchObject({ type: "failed", reason: "unreachable" });
    latest.set({ type: "ack", id: "a-1", source: "/x/a.jpg", fingerprint: "11:21", status: "present", batch: 4, run: "r" });
    latest.set({ type: "rejected", source: "/x/b.txt", fingerprint: "1:2", reason: "empty", message: "m", run: "r" });
    expect(latest.size).toBe(2);
    expect(latest.page(undefined, 1_000).map((record) => [record.source, record.type])).toEqual([
      ["/x/a.jpg", "ack"],
      ["/x/b.txt", "rejected"],
    ]);
    expect(latest.get("/x/a.jpg")).toMatchObject({ status: "present", fingerprint: "11:21" });
  });

  it("a log that cannot be written (a full disk) says why once, and takes no more", () => {
    const told: string[] = [];
    const writer = new JobLogWriter("/dev/full", undefined, (why) => told.push(why));
    writer.append({ type: "batch", seq: 1, inputs: 1, bytes: 1, addJob: "j", run: "r" });
    writer.sync();
    writer.append({ type: "batch", seq: 2, inputs: 1, bytes: 1, addJob: "j", run: "r" });
    writer.sync();
    writer.close();
    expect(told).toEqual(["cannot write the job log /dev/full (ENOSPC)"]);
    expect(writer.failed).toBe("cannot write the job log /dev/full (ENOSPC)");
  });
});
