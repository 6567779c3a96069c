import type { Database, Statement } from "better-sqlite3";
import type { Annotation, Data } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { status } from "../status.js";
import { decodeData, encodeData, parseJsonObject, type Scope } from "./rows.js";

interface AnnotationRow {
  id: string;
  input_id: string;
  data: Buffer;
  info: string | null;
  input_level: number;
  created_ms: number;
  modified_ms: number;
}

export interface NewAnnotation {
  id: string;
  inputId: string;
  data: Data;
  info: { [key: string]: unknown } | undefined;
  inputLevel: boolean;
}

export interface AnnotationFilter {
  ids?: readonly string[];
  inputIds?: readonly string[];
  limit: number;
  offset: number;
}

const COLUMNS = "id, input_id, data, info, input_level, created_ms, modified_ms";

export class AnnotationsTable {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly idExistsStmt: Statement<[string, string, string], { one: number }>;
  private readonly dropInputStmt: Statement<[string, string, string]>;
  private readonly listStmts = new Map<string, Statement<unknown[], AnnotationRow>>();

  constructor(private readonly db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO annotations (user_id, app_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.idExistsStmt = db.prepare(
      "SELECT 1 AS one FROM annotations WHERE user_id = ? AND app_id = ? AND id = ?",
    );
    this.dropInputStmt = db.prepare("DELETE FROM annotations WHERE user_id = ? AND app_id = ? AND input_id = ?");
  }

  insert(scope: Scope, annotation: NewAnnotation, nowMs: number): Annotation {
    this.insertStmt.run(
      scope.userId,
      scope.appId,
      annotation.id,
      annotation.inputId,
      encodeData(annotation.data),
      annotation.info === undefined ? null : JSON.stringify(annotation.info),
      annotation.inputLevel ? 1 : 0,
      nowMs,
      nowMs,
    );
    return {
      id: annotation.id,
      inputId: annotation.inputId,
      data: annotation.data,
      annotationInfo: annotation.info,
      status: status(StatusCode.ANNOTATION_SUCCESS),
      createdAt: new Date(nowMs),
      modifiedAt: new Date(nowMs),
      inputLevel: annotation.inputLevel,
      taskId: "",
    };
  }

  idExists(scope: Scope, id: string): boolean {
    return this.idExistsStmt.get(scope.userId, scope.appId, id) !== undefined;
  }

  /** Newest first. */
  list(scope: Scope, filter: AnnotationFilter): Annotation[] {
    const hasIds = filter.ids !== undefined && filter.ids.length > 0;
    const hasInputs = filter.inputIds !== undefined && filter.inputIds.length > 0;
    const key = `${hasIds ? "a" : ""}${hasInputs ? "i" : ""}`;
    let stmt = this.listStmts.get(key);
    if (stmt === undefined) {
      const where = ["user_id = ?", "app_id = ?"];
      if (hasIds) where.push("id IN (SELECT value FROM json_each(?))");
      if (hasInputs) where.push("input_id IN (SELECT value FROM json_each(?))");
      stmt = this.db.prepare<unknown[], AnnotationRow>(
        `SELECT ${COLUMNS} FROM annotations WHERE ${where.join(" AND ")} ORDER BY seq DESC LIMIT ? OFFSET ?`,
      );
      this.listStmts.set(key, stmt);
    }
    const params: unknown[] = [scope.userId, scope.appId];
    if (hasIds) params.push(JSON.stringify(filter.ids));
    if (hasInputs) params.push(JSON.stringify(filter.inputIds));
    params.push(filter.limit, filter.offset);
    return stmt.all(...params).map(annotationFromRow);
  }

  dropInput(scope: Scope, inputId: string): void {
    this.dropInputStmt.run(scope.userId, scope.appId, inputId);
  }
}

function annotationFromRow(row: AnnotationRow): Annotation {
  return {
    id: row.id,
    inputId: row.input_id,
    data: decodeData(row.data),
    annotationInfo: parseJsonObject(row.info),
    status: status(StatusCode.ANNOTATION_SUCCESS),
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    inputLevel: row.input_level !== 0,
    taskId: "",
  };
}
