import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
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

  it("leaves a stale lock to the start that is removing it, and names the mark of one that died doing so", () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-lock-"));
    const log = join(dir, "job.jsonl");
    writeFileSync(`${log}.lock`, "2147483646 12345");
    // A live start (this process) is removing the stale lock: this start leaves it to it.
    writeFileSync(`${log}.lock.breaking`, String(process.pid));
    expect(() => JobLock.acquire(log, "job")).toThrow(/already running \(another start took its lock just now\)/);
    // That start died as it did so: its mark is named for the user to remove, and stays.
    writeFileSync(`${log}.lock.breaking`, "2147483646 12345");
    expect(() => JobLock.acquire(log, "job")).toThrow(`job job: ${log}.lock.breaking was left by a start that ended as it took over a stale lock; remove it, then start again`);
    expect(readdirSync(dir).sort()).toEqual(["job.jsonl.lock", "job.jsonl.lock.breaking"]);
    rmSync(`${log}.lock.breaking`);
    const lock = JobLock.acquire(log, "job");
    expect(readdirSync(dir).sort()).toEqual(["job.jsonl.lock"]);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
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

  it("lets exactly one of many starts at the same moment take it, a stale lock there or not", async () => {
    // Separate processes, as cron starts them: the built module, each holding the lock a while.
    const built = pathToFileURL(join(dirname(new URL(import.meta.url).pathname), "..", "..", "..", "dist", "upload", "job-lock.js")).href;
    // Each start marks that it tried; the one that took the lock holds it until all six
    // have tried, however slowly a busy machine starts them (at most 20 s).
    const script = `const { JobLock } = await import(${JSON.stringify(built)}); const { writeFileSync, readdirSync } = await import("node:fs"); const [log, tried] = process.argv.slice(1); let lock; try { lock = JobLock.acquire(log, "job"); } catch {} writeFileSync(tried + "/" + process.pid, ""); if (!lock) process.exit(2); for (let i = 0; i < 200 && readdirSync(tried).length < 6; i++) await new Promise((r) => setTimeout(r, 100)); lock.release(); process.exit(0);`;
    for (let round = 0; round < 6; round++) {
      const dir = mkdtempSync(join(tmpdir(), "cu-lock-race-"));
      const tried = mkdtempSync(join(tmpdir(), "cu-lock-tried-"));
      const log = join(dir, "job.jsonl");
      if (round % 2 === 0) writeFileSync(`${log}.lock`, "2147483646 12345");
      const codes = await Promise.all(
        Array.from({ length: 6 }, () => new Promise<number | null>((resolve) => spawn(process.execPath, ["--input-type=module", "-e", script, log, tried], { stdio: "ignore" }).on("exit", resolve))),
      );
      expect(codes.filter((code) => code === 0), `round ${round}: ${codes.join(",")}`).toHaveLength(1);
      expect(readdirSync(dir)).toEqual([]); // no draft, no lock, no stale copy left behind
    }
    expect(spawnSync(process.execPath, ["--version"]).status).toBe(0);
  }, 60_000);

  it("takes over the lock of a run killed and not yet reaped (a zombie)", async () => {
    const log = join(mkdtempSync(join(tmpdir(), "cu-lock-")), "job.jsonl");
    // A process whose parent never waits for it: the shell becomes `sleep`, then its child
    // exits (after the exec: a shell would reap a child that exits before it).
    const parent = spawn("sh", ["-c", 'sh -c "sleep 0.5; exit 0" & echo $!; exec sleep 10'], { stdio: ["ignore", "pipe", "ignore"] });
    const pid = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString()))));
    const stateOf = (): string[] => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    for (let i = 0; i < 100 && stateOf()[0] !== "Z"; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const started = stateOf();
    expect(started[0]).toBe("Z");
    const child = { pid };
    writeFileSync(`${log}.lock`, `${child.pid} ${started[19]}`);
    JobLock.acquire(log, "job").release();
    parent.kill();
  });
});
