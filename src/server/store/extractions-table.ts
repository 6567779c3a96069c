import type { Database, Statement } from "better-sqlite3";
import type { Scope } from "./rows.js";

/** Which kind of credentials a data source came with; the secrets themselves are never stored. */
export type CredentialsKind = "s3" | "gcp" | "azure";

export interface ExtractionRow {
  seq: number;
  user_id: string;
  app_id: string;
  id: string;
  job_id: string;
  url: string;
  /** JSON of the resolved ExtractionSource (see extraction/source.ts). */
  source: string;
  upload_id: string | null;
  conflict: number;
  template: Buffer | null;
  credentials_kind: CredentialsKind | null;
  status_code: number;
  status_details: string;
  image_count: number;
  video_count: number;
  text_count: number;
  audio_count: number;
  archives_pending: number;
  archives_in_progress: number;
  archives_completed: number;
  archives_failed: number;
  duplicates: number;
  rejected: number;
  /** JSON array of "key: why" lines, the first few files that did not become inputs. */
  problems: string;
  /** Resume point: files of the walk done, and entries done of the archive at that index. */
  pos_file: number;
  pos_entry: number;
  created_ms: number;
  modified_ms: number;
}

export interface NewExtraction {
  id: string;
  jobId: string;
  url: string;
  source: string;
  uploadId: string | null;
  conflict: number;
  template: Buffer | null;
  credentialsKind: CredentialsKind | null;
  statusCode: number;
}

/** Counter changes and the new resume point after a batch of an extraction. */
export interface ExtractionAdvance {
  image: number;
  video: number;
  text: number;
  audio: number;
  archivesPending: number;
  archivesInProgress: number;
  archivesCompleted: number;
  archivesFailed: number;
  duplicates: number;
  rejected: number;
  problems: readonly string[];
  posFile: number;
  posEntry: number;
}

/** How many problem lines a job keeps for its status details. */
const MAX_PROBLEMS = 10;

/** Inputs extraction jobs: one per data source URL or completed upload. */
export class ExtractionsTable {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly getStmt: Statement<[string, string, string], ExtractionRow>;
  private readonly bySeqStmt: Statement<[number], ExtractionRow>;
  private readonly listStmt: Statement<[string, string, number, number], ExtractionRow>;
  private readonly byJobStmt: Statement<[string, string, string], ExtractionRow>;
  private readonly byStatusStmt: Statement<[number], ExtractionRow>;
  private readonly statusStmt: Statement<[number, string, number, number]>;
  private readonly archivesPlanStmt: Statement<[number, number, number, number]>;
  private readonly advanceStmt: Statement<unknown[]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO extraction_jobs (user_id, app_id, id, job_id, url, source, upload_id, conflict, template,
         credentials_kind, status_code, created_ms, modified_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare("SELECT * FROM extraction_jobs WHERE user_id = ? AND app_id = ? AND id = ?");
    this.bySeqStmt = db.prepare("SELECT * FROM extraction_jobs WHERE seq = ?");
    this.listStmt = db.prepare(
      "SELECT * FROM extraction_jobs WHERE user_id = ? AND app_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
    );
    this.byJobStmt = db.prepare(
      "SELECT * FROM extraction_jobs WHERE user_id = ? AND app_id = ? AND job_id = ? ORDER BY seq",
    );
    this.byStatusStmt = db.prepare("SELECT * FROM extraction_jobs WHERE status_code = ? ORDER BY seq");
    this.statusStmt = db.prepare(
      "UPDATE extraction_jobs SET status_code = ?, status_details = ?, modified_ms = ? WHERE seq = ?",
    );
    this.archivesPlanStmt = db.prepare(
      "UPDATE extraction_jobs SET archives_pending = ?, archives_in_progress = ?, modified_ms = ? WHERE seq = ?",
    );
    this.advanceStmt = db.prepare(
      `UPDATE extraction_jobs SET image_count = image_count + ?, video_count = video_count + ?,
         text_count = text_count + ?, audio_count = audio_count + ?,
         archives_pending = archives_pending + ?, archives_in_progress = archives_in_progress + ?,
         archives_completed = archives_completed + ?, archives_failed = archives_failed + ?,
         duplicates = duplicates + ?, rejected = rejected + ?, problems = ?,
         pos_file = ?, pos_entry = ?, modified_ms = ?
       WHERE seq = ?`,
    );
  }

  insert(scope: Scope, job: NewExtraction, nowMs: number): void {
    this.insertStmt.run(
      scope.userId,
      scope.appId,
      job.id,
      job.jobId,
      job.url,
      job.source,
      job.uploadId,
      job.conflict,
      job.template,
      job.credentialsKind,
      job.statusCode,
      nowMs,
      nowMs,
    );
  }

  get(scope: Scope, id: string): ExtractionRow | undefined {
    return this.getStmt.get(scope.userId, scope.appId, id);
  }

  bySeq(seq: number): ExtractionRow | undefined {
    return this.bySeqStmt.get(seq);
  }

  /** Newest first. */
  list(scope: Scope, limit: number, offset: number): ExtractionRow[] {
    return this.listStmt.all(scope.userId, scope.appId, limit, offset);
  }

  /** The extraction jobs of one inputs-add job, oldest first. */
  byJob(scope: Scope, jobId: string): ExtractionRow[] {
    return this.byJobStmt.all(scope.userId, scope.appId, jobId);
  }

  /** Every job with this status, oldest first (all users and apps). */
  byStatus(code: number): ExtractionRow[] {
    return this.byStatusStmt.all(code);
  }

  setStatus(seq: number, code: number, details: string, nowMs: number): void {
    this.statusStmt.run(code, details, nowMs, seq);
  }

  /** Sets how many archives are still to extract and whether one is half done. */
  planArchives(seq: number, pending: number, inProgress: number, nowMs: number): void {
    this.archivesPlanStmt.run(pending, inProgress, nowMs, seq);
  }

  advance(row: ExtractionRow, a: ExtractionAdvance, nowMs: number): void {
    const problems = [...parseProblems(row.problems), ...a.problems].slice(0, MAX_PROBLEMS);
    this.advanceStmt.run(
      a.image,
      a.video,
      a.text,
      a.audio,
      a.archivesPending,
      a.archivesInProgress,
      a.archivesCompleted,
      a.archivesFailed,
      a.duplicates,
      a.rejected,
      JSON.stringify(problems),
      a.posFile,
      a.posEntry,
      nowMs,
      row.seq,
    );
  }
}

export function parseProblems(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}
