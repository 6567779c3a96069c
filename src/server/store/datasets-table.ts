import type { Database, Statement } from "better-sqlite3";
import type { Dataset } from "../../gen/clarifai/api/resources.js";
import { parseJsonObject, type Scope } from "./rows.js";

interface DatasetRow {
  id: string;
  description: string;
  notes: string;
  metadata: string | null;
  created_ms: number;
  modified_ms: number;
}

export interface NewDataset {
  id: string;
  description: string;
  notes: string;
  metadata: { [key: string]: unknown } | undefined;
}

const COLUMNS = "id, description, notes, metadata, created_ms, modified_ms";

/** Datasets and their membership (dataset_inputs). */
export class DatasetsTable {
  private readonly insertStmt: Statement<unknown[]>;
  private readonly getStmt: Statement<[string, string, string], DatasetRow>;
  private readonly listStmt: Statement<[string, string, number, number], DatasetRow>;
  private readonly existingStmt: Statement<[string, string, string], { id: string }>;
  private readonly addMemberStmt: Statement<[string, string, string, string, number]>;
  private readonly membershipsStmt: Statement<[string, string, string], { input_id: string; dataset_id: string }>;
  private readonly dropInputStmt: Statement<[string, string, string]>;

  constructor(db: Database) {
    this.insertStmt = db.prepare(
      `INSERT INTO datasets (user_id, app_id, ${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.getStmt = db.prepare(`SELECT ${COLUMNS} FROM datasets WHERE user_id = ? AND app_id = ? AND id = ?`);
    this.listStmt = db.prepare(
      `SELECT ${COLUMNS} FROM datasets WHERE user_id = ? AND app_id = ? ORDER BY seq DESC LIMIT ? OFFSET ?`,
    );
    this.existingStmt = db.prepare(
      "SELECT id FROM datasets WHERE user_id = ? AND app_id = ? AND id IN (SELECT value FROM json_each(?))",
    );
    this.addMemberStmt = db.prepare(
      `INSERT INTO dataset_inputs (user_id, app_id, dataset_id, input_id, created_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    );
    this.membershipsStmt = db.prepare(
      `SELECT input_id, dataset_id FROM dataset_inputs
       WHERE user_id = ? AND app_id = ? AND input_id IN (SELECT value FROM json_each(?))`,
    );
    this.dropInputStmt = db.prepare(
      "DELETE FROM dataset_inputs WHERE user_id = ? AND app_id = ? AND input_id = ?",
    );
  }

  insert(scope: Scope, dataset: NewDataset, nowMs: number): void {
    this.insertStmt.run(
      scope.userId,
      scope.appId,
      dataset.id,
      dataset.description,
      dataset.notes,
      dataset.metadata === undefined ? null : JSON.stringify(dataset.metadata),
      nowMs,
      nowMs,
    );
  }

  get(scope: Scope, id: string): Dataset | undefined {
    const row = this.getStmt.get(scope.userId, scope.appId, id);
    return row === undefined ? undefined : datasetFromRow(scope, row);
  }

  list(scope: Scope, limit: number, offset: number): Dataset[] {
    return this.listStmt.all(scope.userId, scope.appId, limit, offset).map((r) => datasetFromRow(scope, r));
  }

  existing(scope: Scope, ids: readonly string[]): Set<string> {
    if (ids.length === 0) return new Set();
    return new Set(this.existingStmt.all(scope.userId, scope.appId, JSON.stringify(ids)).map((r) => r.id));
  }

  addMember(scope: Scope, datasetId: string, inputId: string, nowMs: number): void {
    this.addMemberStmt.run(scope.userId, scope.appId, datasetId, inputId, nowMs);
  }

  /** dataset ids per input id. */
  memberships(scope: Scope, inputIds: readonly string[]): Map<string, string[]> {
    const result = new Map<string, string[]>();
    if (inputIds.length === 0) return result;
    for (const row of this.membershipsStmt.all(scope.userId, scope.appId, JSON.stringify(inputIds))) {
      const list = result.get(row.input_id);
      if (list === undefined) result.set(row.input_id, [row.dataset_id]);
      else list.push(row.dataset_id);
    }
    return result;
  }

  dropInput(scope: Scope, inputId: string): void {
    this.dropInputStmt.run(scope.userId, scope.appId, inputId);
  }
}

function datasetFromRow(scope: Scope, row: DatasetRow): Dataset {
  return {
    id: row.id,
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    appId: scope.appId,
    userId: scope.userId,
    description: row.description,
    metadata: parseJsonObject(row.metadata),
    notes: row.notes,
  };
}
