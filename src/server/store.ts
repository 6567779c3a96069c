import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import type { Database } from "better-sqlite3";
import type { Data } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { UsageError } from "../errors.js";
import { randomId } from "./ids.js";
import { AnnotationsTable, type NewAnnotation } from "./store/annotations-table.js";
import { type BlobRef, BlobStore } from "./store/blobs.js";
import { DatasetsTable, type NewDataset } from "./store/datasets-table.js";
import { ExtractionsTable } from "./store/extractions-table.js";
import { type ClaimedRow, InputsTable } from "./store/inputs-table.js";
import { type JobActivity, JobDeltas, type JobRow, JobsTable } from "./store/jobs-table.js";
import { encodeData, type MediaKind, type Scope } from "./store/rows.js";
import { migrate } from "./store/schema.js";
import { UploadsTable } from "./store/uploads-table.js";

export type { Scope } from "./store/rows.js";

/** An input that passed every check and whose payload is already in blobs. */
export interface PlannedInput {
  /** The id asked for; "" lets the server pick one. */
  requestedId: string;
  /** Data without payload. */
  data: Data;
  kind: MediaKind | null;
  /** The blob file holding the payloads, and where in it each one is. */
  blobFile: string | null;
  mediaBlob: BlobRef | null;
  textBlob: BlobRef | null;
  /** Set for inputs given by URL only: the key of the duplicate-URL rule. */
  url: string | null;
  allowDuplicateUrl: boolean;
  datasetIds: readonly string[];
}

export type AddOutcome =
  | { ok: true; id: string; createdMs: number }
  | { ok: false; code: StatusCode; description: string };

export interface ProcessingResult {
  seq: number;
  scope: Scope;
  jobId: string | null;
  code: StatusCode.INPUT_SUCCESS | StatusCode.INPUT_FAILED;
  description: string;
  /** Data to store (with its *_info filled in), or null to keep the stored data. */
  data: Data | null;
}

const DB_FILE = "clarifai.sqlite";

/**
 * The server's storage: one SQLite database (WAL) under DIR plus the input bytes
 * under DIR/blobs/. Everything is namespaced by (user_id, app_id). Methods that
 * touch several tables run in one transaction.
 */
export class Store {
  readonly inputs: InputsTable;
  readonly jobs: JobsTable;
  readonly datasets: DatasetsTable;
  readonly annotations: AnnotationsTable;
  readonly extractions: ExtractionsTable;
  readonly uploads: UploadsTable;

  private constructor(
    private readonly db: Database,
    readonly blobs: BlobStore,
  ) {
    this.inputs = new InputsTable(db);
    this.jobs = new JobsTable(db);
    this.datasets = new DatasetsTable(db);
    this.annotations = new AnnotationsTable(db);
    this.extractions = new ExtractionsTable(db);
    this.uploads = new UploadsTable(db);
  }

  static async open(dir: string): Promise<Store> {
    await mkdir(dir, { recursive: true });
    const blobs = new BlobStore(join(dir, "blobs"));
    await blobs.init();
    const path = join(dir, DB_FILE);
    let db: Database | undefined;
    try {
      db = new BetterSqlite3(path);
      migrate(db);
      return new Store(db, blobs);
    } catch (error) {
      db?.close();
      // Not a database, read-only, a folder by that name, a full disk: said with its path.
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && code.startsWith("SQLITE_")) throw new UsageError(`${path}: cannot use it as the server's database (${(error as Error).message}, ${code})`);
      throw error;
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Runs fn in one transaction (a savepoint when already inside one). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** What a job still waits for besides its inputs: active extraction jobs and open uploads. */
  jobActivity(scope: Scope, jobId: string): JobActivity {
    const extractions = this.extractions.byJob(scope, jobId);
    return {
      extractionsActive: extractions.filter((e) => isActiveExtraction(e.status_code)).length,
      extractionsRunning: extractions.filter((e) => e.status_code === StatusCode.JOB_RUNNING).length,
      uploadsOpen: this.uploads.byJob(scope, jobId).filter((u) => u.status_code === StatusCode.UPLOAD_IN_PROGRESS)
        .length,
    };
  }

  /**
   * Creates the inputs (in order) and adds them to the job, in one transaction.
   * Duplicate ids (and, unless allowed, duplicate URLs) are refused per input;
   * with `suffix`, an id already stored gets "-1".."-9" or a random suffix
   * instead, but an id repeated within the request is still refused.
   */
  addInputs(scope: Scope, jobId: string, planned: readonly PlannedInput[], suffix: boolean): {
    outcomes: AddOutcome[];
    job: JobRow;
  } {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      this.jobs.ensure(scope, jobId, nowMs);
      const seenIds = new Set<string>();
      const seenUrls = new Set<string>();
      const outcomes: AddOutcome[] = [];
      let added = 0;
      for (const input of planned) {
        const outcome = this.addOne(scope, jobId, input, suffix, seenIds, seenUrls, nowMs);
        outcomes.push(outcome);
        if (outcome.ok) added++;
      }
      if (added > 0) this.jobs.apply(scope, jobId, { pending: added }, nowMs);
      const job = this.jobs.get(scope, jobId);
      if (job === undefined) throw new Error(`job ${jobId} vanished`);
      return { outcomes, job };
    });
    return run();
  }

  private addOne(
    scope: Scope,
    jobId: string,
    input: PlannedInput,
    suffix: boolean,
    seenIds: Set<string>,
    seenUrls: Set<string>,
    nowMs: number,
  ): AddOutcome {
    let id = input.requestedId === "" ? randomId() : input.requestedId;
    if (seenIds.has(id)) {
      return {
        ok: false,
        code: StatusCode.INPUT_DUPLICATE,
        description: `input id '${id}' appears more than once in this request`,
      };
    }
    if (this.inputs.idExists(scope, id)) {
      if (!suffix) {
        return { ok: false, code: StatusCode.INPUT_DUPLICATE, description: `an input with id '${id}' already exists` };
      }
      id = this.freeSuffixedId(scope, id, seenIds);
    }
    if (input.url !== null && !input.allowDuplicateUrl) {
      if (seenUrls.has(input.url) || this.inputs.urlExists(scope, input.url)) {
        return {
          ok: false,
          code: StatusCode.INPUT_DUPLICATE,
          description: `an input with the URL ${input.url} already exists (set allow_duplicate_url to add it again)`,
        };
      }
    }
    seenIds.add(id);
    if (input.url !== null) seenUrls.add(input.url);
    this.inputs.insert(scope, {
      id,
      data: encodeData(input.data),
      kind: input.kind,
      blobFile: input.blobFile,
      mediaBlob: input.mediaBlob,
      textBlob: input.textBlob,
      url: input.url,
      jobId,
      createdMs: nowMs,
    });
    for (const datasetId of input.datasetIds) this.datasets.addMember(scope, datasetId, id, nowMs);
    const labels = inputLevelAnnotation(id, input.data);
    if (labels !== null) this.annotations.insert(scope, labels, nowMs);
    return { ok: true, id, createdMs: nowMs };
  }

  private freeSuffixedId(scope: Scope, id: string, seenIds: Set<string>): string {
    for (let n = 1; n <= 9; n++) {
      const candidate = `${id}-${n}`;
      if (!seenIds.has(candidate) && !this.inputs.idExists(scope, candidate)) return candidate;
    }
    for (;;) {
      const candidate = `${id}-${randomId().slice(0, 8)}`;
      if (!seenIds.has(candidate) && !this.inputs.idExists(scope, candidate)) return candidate;
    }
  }

  /**
   * Deletes inputs with their dataset memberships and annotations; unknown ids
   * are ignored. A pending input leaves its job's counts. Returns the deleted
   * inputs' blob refs and the blob files no input refers to any more (to
   * remove after the commit).
   */
  deleteInputs(scope: Scope, ids: readonly string[]): { deleted: number; refs: BlobRef[]; unusedFiles: string[] } {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      const rows = this.inputs.byIds(scope, ids);
      const deltas = new JobDeltas();
      const refs: BlobRef[] = [];
      const files = new Set<string>();
      for (const row of rows) {
        this.inputs.deleteBySeq(row.seq);
        this.datasets.dropInput(scope, row.id);
        this.annotations.dropInput(scope, row.id);
        if (row.status_code === StatusCode.INPUT_PENDING) deltas.add(scope, row.job_id, { pending: -1 });
        if (row.media_blob !== null) refs.push(row.media_blob);
        if (row.text_blob !== null) refs.push(row.text_blob);
        if (row.blob_file !== null) files.add(row.blob_file);
      }
      deltas.applyTo(this.jobs, nowMs);
      const unusedFiles = [...files].filter((file) => !this.inputs.fileReferenced(file));
      return { deleted: rows.length, refs, unusedFiles };
    });
    return run();
  }

  /** Claims up to `limit` pending inputs created at or before `createdBeforeMs` for processing. */
  claim(limit: number, createdBeforeMs: number): ClaimedRow[] {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      const rows = this.inputs.claim(nowMs, createdBeforeMs, limit);
      const deltas = new JobDeltas();
      for (const row of rows) {
        deltas.add({ userId: row.user_id, appId: row.app_id }, row.job_id, { pending: -1, inProgress: 1 });
      }
      deltas.applyTo(this.jobs, nowMs);
      return rows;
    });
    return run();
  }

  /** Records processing outcomes and moves the job counters, in one transaction. */
  finish(results: readonly ProcessingResult[]): void {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      const deltas = new JobDeltas();
      for (const r of results) {
        const stored = this.inputs.finish(
          r.seq,
          r.code,
          r.description,
          r.data === null ? null : encodeData(r.data),
          nowMs,
        );
        const success = r.code === StatusCode.INPUT_SUCCESS;
        deltas.add(r.scope, r.jobId, {
          inProgress: -1,
          success: stored && success ? 1 : 0,
          failed: stored && !success ? 1 : 0,
        });
      }
      deltas.applyTo(this.jobs, nowMs);
    });
    run();
  }

  /** After a restart: inputs that were in progress go back to pending. */
  recover(): number {
    const run = this.db.transaction(() => {
      const rows = this.inputs.recoverInProgress();
      const deltas = new JobDeltas();
      for (const row of rows) {
        deltas.add({ userId: row.user_id, appId: row.app_id }, row.job_id, { pending: 1, inProgress: -1 });
      }
      deltas.applyTo(this.jobs, Date.now());
      return rows.length;
    });
    return run();
  }

  /**
   * Cancels a job: its pending inputs fail, its queued or running extraction
   * jobs become JOB_CANCELLED and its open uploads UPLOAD_CANCELED. A job with
   * nothing left to do is returned as it is; undefined when there is no such job.
   */
  cancelJob(scope: Scope, jobId: string): JobRow | undefined {
    const run = this.db.transaction(() => {
      const job = this.jobs.get(scope, jobId);
      if (job === undefined) return undefined;
      const extractions = this.extractions.byJob(scope, jobId).filter((e) => isActiveExtraction(e.status_code));
      const uploads = this.uploads.byJob(scope, jobId).filter((u) => u.status_code === StatusCode.UPLOAD_IN_PROGRESS);
      if (job.pending === 0 && job.in_progress === 0 && extractions.length === 0 && uploads.length === 0) return job;
      const nowMs = Date.now();
      const n = this.inputs.cancelPending(scope, jobId, "Input not processed: its inputs-add job was cancelled", nowMs);
      this.jobs.apply(scope, jobId, { pending: -n, failed: n }, nowMs);
      for (const e of extractions) {
        this.extractions.setStatus(e.seq, StatusCode.JOB_CANCELLED, "its inputs-add job was cancelled", nowMs);
      }
      for (const u of uploads) this.uploads.setStatus(u.seq, StatusCode.UPLOAD_CANCELED, nowMs);
      this.jobs.markCancelled(scope, jobId, nowMs);
      return this.jobs.get(scope, jobId);
    });
    return run();
  }

  /** Creates all the datasets or none; returns the ids that already existed. */
  createDatasets(scope: Scope, datasets: readonly NewDataset[]): { existing: string[] } {
    const run = this.db.transaction(() => {
      const existing = [...this.datasets.existing(scope, datasets.map((d) => d.id))];
      if (existing.length > 0) return { existing };
      const nowMs = Date.now();
      for (const dataset of datasets) this.datasets.insert(scope, dataset, nowMs);
      return { existing };
    });
    return run();
  }

  /** Adds existing inputs to an existing dataset (already-members are fine). */
  addDatasetInputs(scope: Scope, datasetId: string, inputIds: readonly string[]): number {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      for (const inputId of inputIds) this.datasets.addMember(scope, datasetId, inputId, nowMs);
      return nowMs;
    });
    return run();
  }

  insertAnnotations(scope: Scope, annotations: readonly NewAnnotation[]): ReturnType<AnnotationsTable["insert"]>[] {
    const run = this.db.transaction(() => {
      const nowMs = Date.now();
      return annotations.map((a) => this.annotations.insert(scope, a, nowMs));
    });
    return run();
  }
}

/** An extraction job that is queued or running. */
export function isActiveExtraction(code: number): boolean {
  return code === StatusCode.JOB_QUEUED || code === StatusCode.JOB_RUNNING;
}

/** The platform turns an input's concepts and regions into an input-level annotation. */
function inputLevelAnnotation(inputId: string, data: Data): NewAnnotation | null {
  if (data.concepts.length === 0 && data.regions.length === 0) return null;
  return {
    id: randomId(),
    inputId,
    data: {
      image: undefined,
      video: undefined,
      concepts: data.concepts,
      metadata: undefined,
      geo: undefined,
      regions: data.regions,
      text: undefined,
      audio: undefined,
      parts: [],
    },
    info: undefined,
    inputLevel: true,
  };
}
