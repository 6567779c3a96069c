import { accessSync, closeSync, constants, mkdirSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { dirname, join, parse, resolve, sep } from "node:path";
import { codeOf, UsageError } from "../errors.js";
import { keepEach } from "../sources/groups.js";
import type { JobHeader } from "../upload/joblog.js";
import type { CandidateSource } from "./run-upload.js";

/**
 * Paths a run writes to are checked before any work, so that a mistake is one line
 * naming the path (exit 2) and nothing is written: not a stack trace after the upload,
 * and never another file overwritten or appended to.
 */
export interface RunPaths {
  /** The job log; `given` when the user named it with --job-log. */
  jobLog: { path: string; given: boolean };
  failedOut?: string;
  /** `--local DIR`. */
  localDir?: string;
  /** What the command reads its inputs from (a manifest, a list, an archive). */
  reads?: readonly string[];
}

export function checkRunPaths(paths: RunPaths): void {
  const { jobLog } = paths;
  if (jobLog.given) {
    checkFileInExistingFolder(jobLog.path, "--job-log");
    checkIsJobLog(jobLog.path);
  } else {
    ensureFolder(dirname(jobLog.path), "state folder", "set XDG_STATE_HOME to a writable folder, or pass --job-log FILE");
  }
  if (paths.failedOut) {
    checkFileInExistingFolder(paths.failedOut, "--failed-out");
    // It is written over from its first line: never a job's log, this one's or another's.
    if (resolve(paths.failedOut) === resolve(jobLog.path) || startsLikeJobLog(paths.failedOut)) {
      throw new UsageError(`--failed-out ${paths.failedOut}: this is a job log; name another file (nothing was written to it)`);
    }
    if (paths.reads?.some((read) => resolve(read) === resolve(paths.failedOut ?? ""))) {
      throw new UsageError(`--failed-out ${paths.failedOut}: this is what the command reads its inputs from; name another file (nothing was written to it)`);
    }
  }
  if (paths.localDir) ensureFolder(paths.localDir, "--local");
}

function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** A file to be written: its folder exists and is writable, and it is not itself a folder. */
export function checkFileInExistingFolder(path: string, what: string): void {
  const folder = dirname(path);
  const folderStats = statOf(folder);
  if (!folderStats) throw new UsageError(`${what} ${path}: folder ${folder} does not exist`);
  if (!folderStats.isDirectory()) throw new UsageError(`${what} ${path}: ${folder} is not a folder`);
  if (statOf(path)?.isDirectory()) throw new UsageError(`${what} ${path}: is a folder; name a file in it, e.g. ${join(path, what === "--failed-out" ? "failed.csv" : "job.jsonl")}`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new UsageError(`${what} ${path}: folder ${folder} is not writable`);
  }
}

/** A job log given by path is absent (a new job), empty, or starts with this tool's header record. */
export function checkIsJobLog(path: string): void {
  const stats = statOf(path);
  if (!stats) return;
  // A device or a pipe (/dev/full, /dev/null) is no place for a log it reads back.
  if (!stats.isFile()) throw new UsageError(`--job-log ${path}: not a regular file`);
  if (stats.size === 0) return;
  if (jobLogHeader(path) === undefined) {
    throw new UsageError(`--job-log ${path}: this file exists and is not a job log of clarifai-upload; name a new file (nothing was written to it)`);
  }
}

/** A regular file whose first line is this tool's job log header (one that cannot be read is not known to be). */
export function startsLikeJobLog(path: string): boolean {
  try {
    return jobLogHeader(path) !== undefined;
  } catch {
    return false;
  }
}

/** What a job log's first line says of the job, as far as it was checked. */
type LoggedHeader = Pick<JobHeader, "job"> & Partial<Pick<JobHeader, "target">>;

/**
 * The header record a job log starts with, if the file is one: its first line that reads
 * as JSON (a line torn by a crash while the log was being made comes before the header
 * the next run wrote).
 */
export function jobLogHeader(path: string): LoggedHeader | undefined {
  const stats = statOf(path);
  if (!stats?.isFile() || stats.size === 0) return undefined;
  const head = Buffer.alloc(Math.min(stats.size, 64 * 1024));
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw new UsageError(`${path}: cannot read it (${codeOf(error)})`);
  }
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  for (const line of head.toString("utf8").split("\n")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const record = parsed as { type?: unknown; job?: unknown; target?: unknown } | null;
    return record?.type === "header" && typeof record.job === "string" ? (record as LoggedHeader) : undefined;
  }
  return undefined;
}

/**
 * Creates a folder and its missing parents, one at a time. Node's recursive mkdir spins
 * for ever where a parent refuses new entries with ENOENT (under /proc); this stops at
 * the first folder that cannot be made and says which.
 */
export function ensureFolder(path: string, what: string, hint?: string): void {
  const fail = (problem: string): never => {
    throw new UsageError(`${what} ${path}: ${problem}${hint ? ` (${hint})` : ""}`);
  };
  const target = resolve(path);
  const missing: string[] = [];
  let existing = target;
  for (;;) {
    const stats = statOf(existing);
    if (stats) {
      if (!stats.isDirectory()) fail(`${existing} is not a folder`);
      break;
    }
    missing.unshift(existing);
    if (existing === parse(existing).root) break;
    existing = dirname(existing);
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      const code = codeOf(error);
      if (code === "EEXIST" && statOf(folder)?.isDirectory()) continue;
      fail(`cannot create folder ${folder} (${code})`);
    }
  }
  try {
    accessSync(target, constants.W_OK);
  } catch {
    fail("folder is not writable");
  }
}

/**
 * The run's own files (job log, its lock, --failed-out) and folders (the embedded
 * server's data with --local) are never inputs, even inside the walked folder. A source
 * confined to a folder (`within`) that holds none of them is passed on as it is.
 */
export function skipOwnFiles(source: CandidateSource, paths: ReadonlyArray<string | undefined>, within?: string, folders: ReadonlyArray<string | undefined> = []): CandidateSource {
  const inside = within === undefined ? undefined : within.endsWith(sep) ? within : `${within}${sep}`;
  const mine = (path: string): boolean => inside === undefined || path.startsWith(inside);
  const own = new Set(paths.filter((path): path is string => path !== undefined).map((path) => resolve(path)).filter(mine));
  const ownFolders = folders.filter((folder): folder is string => folder !== undefined).map((folder) => `${resolve(folder)}${sep}`).filter(mine);
  if (own.size === 0 && ownFolders.length === 0) return source;
  return (report) => keepEach(source(report), (candidate) => (own.has(candidate.source) || ownFolders.some((folder) => candidate.source.startsWith(folder)) ? undefined : candidate));
}
