import type { Database, Statement } from "better-sqlite3";
import type { Scope } from "./rows.js";

export interface UploadRow {
  seq: number;
  user_id: string;
  app_id: string;
  id: string;
  job_id: string;
  /** Folder of the upload's parts and assembled content, relative to DIR/uploads/. */
  dir: string;
  content_name: string;
  content_length: number;
  conflict: number;
  template: Buffer | null;
  status_code: number;
  extraction_id: string | null;
  created_ms: number;
  modified_ms: number;
}

export interface NewUpload {
  id: string;
  jobId: string;
  dir: string;
  contentName: string;
  contentLength: number;
  conflict: number;
  template: Buffer | null;
  statusCode: number;
}

export interface PartRow {
  part_number: number;
  range_start: number;
  length: number;
  sha256: string;
}

/** Archive uploads and the parts each one has received. */
export class UploadsTable {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly getStmt: Statement<[string, string, string], UploadRow>;
  private readonly byJobStmt: Statement<[string, string, string], UploadRow>;
  private readonly byStatusStmt: Statement<[number], UploadRow>;
  private readonly byDirStmt: Statement<[string], UploadRow>;
  private readonly statusStmt: Statement<[number, number, number]>;
  private readonly doneStmt: Statement<[number, string, number, number]>;
  private readonly partsStmt: Statement<[number], PartRow>;
  private readonly insertPartStmt: Statement<[number, number, number, number, string, number]>;
  private readonly touchStmt: Statement<[number, number]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO uploads (user_id, app_id, id, job_id, dir, content_name, content_length, conflict, template,
         status_code, created_ms, modified_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare("SELECT * FROM uploads WHERE user_id = ? AND app_id = ? AND id = ?");
    this.byJobStmt = db.prepare("SELECT * FROM uploads WHERE user_id = ? AND app_id = ? AND job_id = ? ORDER BY seq");
    this.byStatusStmt = db.prepare("SELECT * FROM uploads WHERE status_code = ? ORDER BY seq");
    this.byDirStmt = db.prepare("SELECT * FROM uploads WHERE dir = ?");
    this.statusStmt = db.prepare("UPDATE uploads SET status_code = ?, modified_ms = ? WHERE seq = ?");
    this.doneStmt = db.prepare(
      "UPDATE uploads SET status_code = ?, extraction_id = ?, modified_ms = ? WHERE seq = ?",
    );
    this.partsStmt = db.prepare(
      "SELECT part_number, range_start, length, sha256 FROM upload_parts WHERE upload_seq = ? ORDER BY part_number",
    );
    this.insertPartStmt = db.prepare(
      `INSERT INTO upload_parts (upload_seq, part_number, range_start, length, sha256, created_ms)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    );
    this.touchStmt = db.prepare("UPDATE uploads SET modified_ms = ? WHERE seq = ?");
  }

  insert(scope: Scope, upload: NewUpload, nowMs: number): void {
    this.insertStmt.run(
      scope.userId,
      scope.appId,
      upload.id,
      upload.jobId,
      upload.dir,
      upload.contentName,
      upload.contentLength,
      upload.conflict,
      upload.template,
      upload.statusCode,
      nowMs,
      nowMs,
    );
  }

  get(scope: Scope, id: string): UploadRow | undefined {
    return this.getStmt.get(scope.userId, scope.appId, id);
  }

  byJob(scope: Scope, jobId: string): UploadRow[] {
    return this.byJobStmt.all(scope.userId, scope.appId, jobId);
  }

  byStatus(code: number): UploadRow[] {
    return this.byStatusStmt.all(code);
  }

  byDir(dir: string): UploadRow | undefined {
    return this.byDirStmt.get(dir);
  }

  setStatus(seq: number, code: number, nowMs: number): void {
    this.statusStmt.run(code, nowMs, seq);
  }

  markDone(seq: number, code: number, extractionId: string, nowMs: number): void {
    this.doneStmt.run(code, extractionId, nowMs, seq);
  }

  parts(seq: number): PartRow[] {
    return this.partsStmt.all(seq);
  }

  addPart(seq: number, part: PartRow, nowMs: number): void {
    this.insertPartStmt.run(seq, part.part_number, part.range_start, part.length, part.sha256, nowMs);
    this.touchStmt.run(nowMs, seq);
  }
}
