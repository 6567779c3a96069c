import { appendFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alreadyAcknowledged, JobLogWriter, replayJobLog } from "../../../src/upload/joblog.js";

describe("job log", () => {
  it("replays acks and ignores a torn last line", () => {
    const path = join(mkdtempSync(join(tmpdir(), "cu-log-")), "job.jsonl");
    const writer = new JobLogWriter(path);
    writer.append({ type: "header", version: 1, job: "j", created: "now", command: "folder", args: ["/x"], target: { api: "a", user: "u", app: "p" }, options: {} });
    writer.append({ type: "ack", id: "a", source: "/x/a.jpg", fingerprint: "1:2", status: "uploaded", batch: 1, run: "r" });
    writer.append({ type: "failed", id: "b", source: "/x/b.jpg", fingerprint: "3:4", reason: "unreachable", message: "m", run: "r" });
    writer.close();
    appendFileSync(path, '{"type":"ack","id":"c","sou');

    const state = replayJobLog(path);
    expect(state.header?.job).toBe("j");
    expect(state.corruptLines).toBe(1);
    expect(alreadyAcknowledged(state, "/x/a.jpg", "1:2")?.id).toBe("a");
    expect(alreadyAcknowledged(state, "/x/a.jpg", "9:9")).toBeUndefined();
    expect(alreadyAcknowledged(state, "/x/b.jpg", "3:4")).toBeUndefined();

    // A later writer starts on a fresh line, so the torn line never merges with new records.
    const again = new JobLogWriter(path);
    again.append({ type: "ack", id: "b", source: "/x/b.jpg", fingerprint: "3:4", status: "present", batch: 2, run: "r2" });
    again.close();
    const replayed = replayJobLog(path);
    expect(replayed.corruptLines).toBe(1);
    expect(alreadyAcknowledged(replayed, "/x/b.jpg", "3:4")?.status).toBe("present");
    expect(readFileSync(path, "utf8")).not.toMatch(/pat/i);
  });
});
