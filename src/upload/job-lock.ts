import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { UsageError } from "../errors.js";

/**
 * One run per job at a time: a lock file beside the job log holding the owner's pid.
 * A lock whose owner is gone (a crash, kill -9) is taken over; a live one refuses the
 * second run, so an overlapping cron start cannot interleave two runs in one log.
 */
export class JobLock {
  private constructor(private readonly path: string) {}

  static acquire(logPath: string, job: string): JobLock {
    const path = `${logPath}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new JobLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const owner = Number(readFileSync(path, "utf8").trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new UsageError(`job ${job} is already running (pid ${owner}); wait for it to end or stop it first`);
      }
      rmSync(path, { force: true });
    }
    throw new UsageError(`job ${job}: cannot take the lock ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
