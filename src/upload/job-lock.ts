import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { UsageError } from "../errors.js";

/**
 * One run per job at a time: a lock file beside the job log holding the owner's pid.
 * A lock whose owner is gone (a crash, kill -9, its pid reused since) is taken over; a live one refuses the
 * second run, so an overlapping cron start cannot interleave two runs in one log.
 */
export class JobLock {
  private constructor(private readonly path: string) {}

  static acquire(logPath: string, job: string): JobLock {
    const path = `${logPath}.lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, "wx", 0o600);
        const started = startOf(process.pid);
        writeSync(fd, started === undefined ? String(process.pid) : `${process.pid} ${started}`);
        closeSync(fd);
        return new JobLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const [pid, started] = readFileSync(path, "utf8").trim().split(" ");
      const owner = Number(pid);
      if (Number.isInteger(owner) && owner > 0 && isOwnerAlive(owner, started)) {
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

/**
 * The lock's owner still runs. Pids are reused (a container restarts its pids from 1):
 * a process by that pid that started at another time than the owner is not the owner.
 */
function isOwnerAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const now = startOf(pid);
  return started === undefined || now === undefined || now === started;
}

/** When a process started, in clock ticks since boot (Linux's /proc), or undefined where that cannot be read. */
function startOf(pid: number): string | undefined {
  try {
    // Fields after the command name, which ends with ") ": starttime is the 22nd field.
    return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ")[19];
  } catch {
    return undefined;
  }
}
