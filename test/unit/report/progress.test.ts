import { describe, expect, it } from "vitest";
import { listProcessingFailures } from "../../../src/report/processing-failures.js";
import { emptyProgress, progressLine, progressLines } from "../../../src/report/progress.js";
import { fitWidth } from "../../../src/report/terminal.js";

describe("progress lines", () => {
  it("show a running count and no total while the walk goes on", () => {
    const lines = progressLines({ ...emptyProgress(), discovered: 912, done: 400, statuses: { uploaded: 400 }, bytes: 4096, seconds: 2 }, 100);
    expect(lines[0]).toMatch(/found\s+912 files, still looking/);
    expect(lines[1]).toMatch(/sent\s+400 /);
    expect(lines[1]).not.toMatch(/\d\/\d|eta/);
  });

  it("show sent/total with a bar and an ETA once the walk is over, never a negative one", () => {
    const walking = { ...emptyProgress(), discovered: 3000, done: 1000, statuses: { uploaded: 1000 }, bytes: 1 << 20, seconds: 10, walk: "done" as const };
    const [, sent] = progressLines(walking, 100);
    expect(sent).toMatch(/\[#+-+\] 1,000\/3,000 .* eta 20\.0s$/);
    expect(sent.length).toBeLessThanOrEqual(100);
    const [, finished] = progressLines({ ...walking, done: 3000, statuses: { uploaded: 2997, rejected: 2, conflict: 1 } }, 100);
    expect(finished).toMatch(/3,000\/3,000/);
    expect(finished).not.toContain("eta");
    expect(finished).toContain("3 problems");
  });

  it("say the walk stopped after Ctrl-C, not that it is done", () => {
    const stopped = { ...emptyProgress(), discovered: 912, done: 900, walk: "stopped" as const, seconds: 1 };
    expect(progressLines(stopped, 100)[0]).toContain("912 files (stopped looking)");
    expect(progressLines(stopped, 100)[1]).not.toContain("eta");
    expect(progressLine(stopped)).toContain("912 found (stopped looking)");
  });

  it("count retries, on a terminal and on the plain line", () => {
    const retried = { ...emptyProgress(), discovered: 10, done: 4, retries: 3, seconds: 1 };
    expect(progressLines(retried, 100)[1]).toContain("3 retries");
    expect(progressLine(retried)).toMatch(/, 3 retries$/);
    expect(progressLine({ ...retried, retries: 0 })).not.toContain("retr");
  });

  it("add a processing line during --wait", () => {
    const lines = progressLines({ ...emptyProgress(), walk: "done", processing: { success: 8, failed: 1, pending: 1 } }, 100);
    expect(lines[2]).toMatch(/processed\s+\[#+-*\] 9\/10\s+1 failed/);
  });

  it("cut only status lines, marking the cut", () => {
    expect(fitWidth("abcdef", 4)).toBe("abc…");
    expect(fitWidth("abc", 4)).toBe("abc");
  });
});

describe("inputs that failed processing", () => {
  it("are listed by file up to a limit, then counted with the command that shows them all", () => {
    const failures = Array.from({ length: 25 }, (_, i) => ({ source: `/d/f${i}.jpg`, message: `/d/f${i}.jpg: input f${i} failed processing: INPUT_FAILED (30002): truncated` }));
    const lines = listProcessingFailures(failures, 20, "clarifai-upload status job1");
    expect(lines[0]).toBe("25 inputs failed processing:");
    expect(lines).toHaveLength(22);
    expect(lines[1]).toBe("  ! /d/f0.jpg: input f0 failed processing: INPUT_FAILED (30002): truncated");
    expect(lines[21]).toBe("  ... and 5 more, see: clarifai-upload status job1");
  });

  it("name the file even when the message does not", () => {
    expect(listProcessingFailures([{ source: "/d/a.jpg", message: "INPUT_FAILED" }], 20, "x")[1]).toBe("  ! /d/a.jpg: INPUT_FAILED");
  });
});
