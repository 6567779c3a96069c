import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { JobLock } from "../../../src/upload/job-lock.js";

describe("JobLock", () => {
  it("refuses a second run of a job that is running", () => {
    const log = join(mkdtempSync(join(tmpdir(), "cu-lock-")), "job.jsonl");
    const lock = JobLock.acquire(log, "job");
    expect(() => JobLock.acquire(log, "job")).toThrow(UsageError);
    expect(() => JobLock.acquire(log, "job")).toThrow(/already running \(pid \d+\)/);
    lock.release();
    JobLock.acquire(log, "job").release();
  });

  it("takes over the lock of a run that died", () => {
    const log = join(mkdtempSync(join(tmpdir(), "cu-lock-")), "job.jsonl");
    writeFileSync(`${log}.lock`, "2147483646");
    const lock = JobLock.acquire(log, "job");
    lock.release();
  });

  it("takes over a lock whose pid a process that started later has now", () => {
    const log = join(mkdtempSync(join(tmpdir(), "cu-lock-")), "job.jsonl");
    // This process's pid, recorded with another start time: a run before a pid namespace restarted.
    writeFileSync(`${log}.lock`, `${process.pid} 1`);
    const lock = JobLock.acquire(log, "job");
    expect(readFileSync(`${log}.lock`, "utf8")).toMatch(new RegExp(`^${process.pid} \\d+$`));
    expect(() => JobLock.acquire(log, "job")).toThrow(/already running/);
    lock.release();
  });
});
