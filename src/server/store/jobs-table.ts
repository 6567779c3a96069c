import type { Database, Statement } from "better-sqlite3";
import type { InputsAddJob } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { status } from "../status.js";
import type { Scope } from "./rows.js";

export interface JobRow {
  id: string;
  pending: number;
  in_progress: number;
  success: number;
  failed: number;
  cancelled: number;
  created_ms: number;
  modified_ms: number;
}

/** Counter changes for one job. */
export interface JobDelta {
  pending?: number;
  inProgress?: number;
  success?: number;
  failed?: number;
}

/** Inputs-add jobs with their progress counters, kept in step with the inputs. */
export class JobsTable {
  private readonly ensureStmt: Statement<[string, string, string, number, number]>;
  private readonly deltaStmt: Statement<[number, number, number, number, number, string, string, string]>;
  private readonly reopenStmt: Statement<[string, string, string]>;
  private readonly cancelStmt: Statement<[number, string, string, string]>;
  private readonly getStmt: Statement<[string, string, string], JobRow>;
  private readonly listStmt: Statement<[string, string, number, number], JobRow>;

  constructor(db: Database) {
    this.ensureStmt = db.prepare(
      `INSERT INTO jobs (user_id, app_id, id, created_ms, modified_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, app_id, id) DO NOTHING`,
    );
    this.deltaStmt = db.prepare(
      `UPDATE jobs SET pending = pending + ?, in_progress = in_progress + ?, success = success + ?,
         failed = failed + ?, modified_ms = ? WHERE user_id = ? AND app_id = ? AND id = ?`,
    );
    this.reopenStmt = db.prepare("UPDATE jobs SET cancelled = 0 WHERE user_id = ? AND app_id = ? AND id = ?");
    this.cancelStmt = db.prepare(
      "UPDATE jobs SET cancelled = 1, modified_ms = ? WHERE user_id = ? AND app_id = ? AND id = ?",
    );
    const columns = "id, pending, in_progress, success, failed, cancelled, created_ms, modified_ms";
    this.getStmt = db.prepare(`SELECT ${columns} FROM jobs WHERE user_id = ? AND app_id = ? AND id = ?`);
    this.listStmt = db.prepare(
      `SELECT ${columns} FROM jobs WHERE user_id = ? AND app_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?`,
    );
  }

  /** Creates the job if it does not exist; an existing cancelled job is reopened. */
  ensure(scope: Scope, id: string, nowMs: number): void {
    this.ensureStmt.run(scope.userId, scope.appId, id, nowMs, nowMs);
    this.reopenStmt.run(scope.userId, scope.appId, id);
  }

  apply(scope: Scope, id: string, delta: JobDelta, nowMs: number): void {
    this.deltaStmt.run(
      delta.pending ?? 0,
      delta.inProgress ?? 0,
      delta.success ?? 0,
      delta.failed ?? 0,
      nowMs,
      scope.userId,
      scope.appId,
      id,
    );
  }

  markCancelled(scope: Scope, id: string, nowMs: number): void {
    this.cancelStmt.run(nowMs, scope.userId, scope.appId, id);
  }

  get(scope: Scope, id: string): JobRow | undefined {
    return this.getStmt.get(scope.userId, scope.appId, id);
  }

  list(scope: Scope, limit: number, offset: number): JobRow[] {
    return this.listStmt.all(scope.userId, scope.appId, limit, offset);
  }
}

/**
 * What else a job waits for besides its inputs: extraction jobs queued or
 * running, and uploads still receiving parts.
 */
export interface JobActivity {
  extractionsActive: number;
  extractionsRunning: number;
  uploadsOpen: number;
}

const IDLE: JobActivity = { extractionsActive: 0, extractionsRunning: 0, uploadsOpen: 0 };

/** The job as the platform shows it, with its status derived from its counters (and activity). */
export function jobFromRow(
  row: JobRow,
  extras: Pick<InputsAddJob, "extractionJobs" | "uploads"> & { activity: JobActivity } = {
    extractionJobs: [],
    uploads: [],
    activity: IDLE,
  },
): InputsAddJob {
  return {
    id: row.id,
    callBackUrl: "",
    progress: {
      pendingCount: row.pending,
      inProgressCount: row.in_progress,
      successCount: row.success,
      failedCount: row.failed,
    },
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    extractionJobs: extras.extractionJobs,
    uploads: extras.uploads,
    status: status(jobStatusCode(row, extras.activity)),
  };
}

/**
 * JOB_CANCELLED once cancelled; JOB_COMPLETED when no input is pending or in
 * progress and no extraction or upload is still under way; JOB_RUNNING once
 * something has started; JOB_QUEUED before.
 */
export function jobStatusCode(row: JobRow, activity: JobActivity = IDLE): StatusCode {
  if (row.cancelled !== 0) return StatusCode.JOB_CANCELLED;
  const waiting = activity.extractionsActive + activity.uploadsOpen;
  if (row.pending === 0 && row.in_progress === 0 && waiting === 0) return StatusCode.JOB_COMPLETED;
  if (row.in_progress > 0 || row.success + row.failed > 0 || activity.extractionsRunning > 0) {
    return StatusCode.JOB_RUNNING;
  }
  return StatusCode.JOB_QUEUED;
}

/** Accumulates counter changes per (user, app, job) so a batch updates each job once. */
export class JobDeltas {
  private readonly deltas = new Map<string, { scope: Scope; id: string; delta: Required<JobDelta> }>();

  add(scope: Scope, jobId: string | null, delta: JobDelta): void {
    if (jobId === null || jobId === "") return;
    const key = JSON.stringify([scope.userId, scope.appId, jobId]);
    let entry = this.deltas.get(key);
    if (entry === undefined) {
      entry = { scope, id: jobId, delta: { pending: 0, inProgress: 0, success: 0, failed: 0 } };
      this.deltas.set(key, entry);
    }
    entry.delta.pending += delta.pending ?? 0;
    entry.delta.inProgress += delta.inProgress ?? 0;
    entry.delta.success += delta.success ?? 0;
    entry.delta.failed += delta.failed ?? 0;
  }

  applyTo(jobs: JobsTable, nowMs: number): void {
    for (const { scope, id, delta } of this.deltas.values()) jobs.apply(scope, id, delta, nowMs);
  }
}
