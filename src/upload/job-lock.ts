import { closeSync, linkSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { UsageError } from "../errors.js";

/**
 * One run per job at a time: a lock file beside the job log holding the owner's pid (and
 * its start time). A lock whose owner is gone (a crash, kill -9, its pid reused since) is
 * taken over; a live one refuses the second run, so an overlapping cron start cannot
 * interleave two runs in one log.
 *
 * Two starts at the same moment: the lock appears whole or not at all (written beside it,
 * then linked into place, which fails if one is there), and a stale lock is removed by one
 * start at a time, which first reads it again (another start may have taken the lock in
 * between).
 */
export class JobLock {
  private constructor(private readonly path: string) {}

  static acquire(logPath: string, job: string): JobLock {
    const path = `${logPath}.lock`;
    const started = statOf(process.pid)?.started;
    const mine = started === undefined ? String(process.pid) : `${process.pid} ${started}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (placeLock(path, mine)) return new JobLock(path);
      const seen = readIfThere(path);
      if (seen === undefined) continue; // released in between
      const owner = liveOwner(seen);
      if (owner !== undefined) throw new UsageError(`job ${job} is already running (pid ${owner}); wait for it to end or stop it first`);
      if (!removeIfStill(path, seen, mine, job)) {
        throw new UsageError(`job ${job} is already running (another start took its lock just now); wait for it to end or stop it first`);
      }
    }
    throw new UsageError(`job ${job}: cannot take the lock ${path}`);
  }

  release(): void {
    rmSync(this.path, { force: true });
  }

  /** The pid of a run of the job going on now, if one holds the lock. */
  static holder(logPath: string): number | undefined {
    try {
      return liveOwner(readFileSync(`${logPath}.lock`, "utf8"));
    } catch {
      return undefined;
    }
  }
}

/** Puts a lock holding `content` at `path`, whole; false when a lock is there already. */
function placeLock(path: string, content: string): boolean {
  const draft = `${path}.${process.pid}-${randomBytes(4).toString("hex")}`;
  const fd = openSync(draft, "wx", 0o600);
  try {
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

/**
 * Removes the stale lock at `path` if it still holds `stale`; false when another start
 * holds the lock now, or is taking it. Only the start that holds `path.breaking` removes a
 * lock, and only while that lock is there: a lock another start placed once the stale one
 * was gone is never taken for it.
 */
function removeIfStill(path: string, stale: string, mine: string, job: string): boolean {
  const breaking = `${path}.breaking`;
  if (!placeLock(breaking, mine)) {
    refuseDeadMark(breaking, job);
    return false;
  }
  try {
    const now = readIfThere(path);
    if (now === undefined) return true;
    if (now !== stale) return false;
    rmSync(path, { force: true });
    return true;
  } finally {
    rmSync(breaking, { force: true });
  }
}

/**
 * A mark left by a start that ended in the moment it held it is not removed here: two
 * starts removing it at once could each take it for their own. The user removes it.
 */
function refuseDeadMark(breaking: string, job: string): void {
  const mark = readIfThere(breaking);
  if (mark === undefined || liveOwner(mark) !== undefined) return; // done in between, or going on
  throw new UsageError(`job ${job}: ${breaking} was left by a start that ended as it took over a stale lock; remove it, then start again`);
}

/** A lock's or mark's content; undefined when it is not there (removed in between). */
function readIfThere(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** The pid a lock holds, if that process still runs: `pid` or `pid start-time`. */
function liveOwner(lock: string): number | undefined {
  const [pid, started] = lock.trim().split(" ");
  const owner = Number(pid);
  return Number.isInteger(owner) && owner > 0 && isOwnerAlive(owner, started) ? owner : undefined;
}

/**
 * The lock's owner still runs. Pids are reused (a container restarts its pids from 1):
 * a process by that pid that started at another time than the owner is not the owner.
 * A zombie (killed, not yet reaped by its parent) runs no more.
 */
function isOwnerAlive(pid: number, started: string | undefined): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const stat = statOf(pid);
  if (stat?.state === "Z") return false;
  return started === undefined || stat === undefined || stat.started === started;
}

/** When a process started (clock ticks since boot) and its state, from Linux's /proc; undefined where that cannot be read. */
function statOf(pid: number): { state: string; started: string } | undefined {
  try {
    // Fields after the command name, which ends with ") ": state is the 3rd field, starttime the 22nd.
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ");
    return fields && fields[19] !== undefined ? { state: fields[0] ?? "", started: fields[19] } : undefined;
  } catch {
    return undefined;
  }
}
