import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Upload, UploadContentPart } from "../../gen/clarifai/api/resources.js";
import type { Status } from "../../gen/clarifai/api/status/status.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import type { UploadSource } from "../extraction/source.js";
import { randomId } from "../ids.js";
import { ok, status } from "../status.js";
import { isActiveExtraction, type Store } from "../store.js";
import type { ExtractionRow } from "../store/extractions-table.js";
import type { Scope } from "../store/rows.js";
import type { PartRow, UploadRow } from "../store/uploads-table.js";
import { KeyedLock } from "./keyed-lock.js";
import { PartFiles } from "./part-files.js";
import { missingRanges, overlap } from "./ranges.js";
import { uploadFromRow } from "./upload-view.js";

export interface PutAnswer {
  status: Status;
  upload: Upload | undefined;
}

/** A part as checked: where its bytes go and their hash. */
interface NewPart {
  row: PartRow;
  data: Buffer;
}

export interface UploadServiceDeps {
  /** Wakes the extractor (an upload completed). */
  kickExtractor: () => void;
  /** Whether the extractor is running this extraction job right now. */
  extractionRunning: (seq: number) => boolean;
  log?: (line: string) => void;
}

export interface NewUploadSpec {
  id: string;
  jobId: string;
  contentName: string;
  contentLength: number;
  conflict: number;
  template: Buffer | null;
}

/**
 * Archive uploads: parts are stored as files (synced) and recorded in SQLite;
 * when the parts cover every byte of content_length the archive is assembled,
 * the upload becomes UPLOAD_DONE and an extraction job is queued for it (its
 * entries become inputs like those of a data source). Calls for the same
 * upload run one at a time.
 */
export class UploadService {
  private readonly files: PartFiles;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly store: Store,
    dataDir: string,
    private readonly deps: UploadServiceDeps,
  ) {
    this.files = new PartFiles(join(dataDir, "uploads"));
  }

  get root(): string {
    return this.files.root;
  }

  /** Finishes uploads whose last part arrived just before a stop, and removes leftover folders. */
  async init(): Promise<void> {
    await this.files.init();
    for (const row of this.store.uploads.byStatus(StatusCode.UPLOAD_IN_PROGRESS)) {
      const parts = this.store.uploads.parts(row.seq);
      if (missingRanges(ranges(parts), row.content_length).length === 0) {
        await this.lock.run(lockKey({ userId: row.user_id, appId: row.app_id }, row.id), () =>
          this.complete(row, parts),
        );
      }
    }
    await this.sweep();
  }

  /** Removes the folders of uploads that no longer need them (cancelled, or extracted). */
  async sweep(): Promise<void> {
    for (const dir of await this.files.dirs()) {
      if (!this.keeps(dir)) await this.files.removeDir(dir);
    }
  }

  /** Creates an upload (and its folder) in its inputs-add job, which the caller has checked. */
  async create(scope: Scope, spec: NewUploadSpec): Promise<void> {
    const dir = randomId();
    await this.files.createDir(dir);
    try {
      this.store.transaction(() => {
        const nowMs = Date.now();
        this.store.jobs.ensure(scope, spec.jobId, nowMs);
        this.store.uploads.insert(scope, { ...spec, dir, statusCode: StatusCode.UPLOAD_IN_PROGRESS }, nowMs);
      });
    } catch (error) {
      await this.files.removeDir(dir).catch(() => undefined);
      throw error;
    }
  }

  describe(row: UploadRow): Upload {
    return uploadFromRow(row, this.store.uploads.parts(row.seq));
  }

  /**
   * PutUploadContentParts. Answers:
   * - unknown upload: CONN_DOES_NOT_EXIST;
   * - no parts, a part_number below 1, a part without data, or bytes beyond
   *   content_length: CONN_INVALID_REQUEST, nothing stored;
   * - a part number received before with other bytes or range, or bytes that
   *   differ from those of an overlapping part: UPLOAD_CONFLICT, nothing stored;
   * - a cancelled upload: UPLOAD_CANCELED;
   * - otherwise SUCCESS: the parts are stored (a part sent again with the same
   *   bytes is fine), and when every byte is there the upload is UPLOAD_DONE.
   * An upload that is already done answers SUCCESS and ignores the parts.
   */
  putParts(scope: Scope, uploadId: string, parts: readonly UploadContentPart[]): Promise<PutAnswer> {
    return this.lock.run(lockKey(scope, uploadId), () => this.put(scope, uploadId, parts));
  }

  /** Removes an uploaded archive once its extraction has ended. */
  async extractionEnded(row: ExtractionRow): Promise<void> {
    if (row.upload_id === null) return;
    const source = JSON.parse(row.source) as UploadSource;
    await this.files.removeDir(source.dir);
  }

  private async put(scope: Scope, uploadId: string, parts: readonly UploadContentPart[]): Promise<PutAnswer> {
    const row = this.store.uploads.get(scope, uploadId);
    if (row === undefined) {
      const missing = status(StatusCode.CONN_DOES_NOT_EXIST, undefined, `upload '${uploadId}' not found`);
      return { status: missing, upload: undefined };
    }
    const answer = (s: Status): PutAnswer => ({
      status: s,
      upload: this.describe(this.store.uploads.get(scope, uploadId) ?? row),
    });
    if (row.status_code === StatusCode.UPLOAD_DONE) {
      return answer(ok("the upload is complete; the parts were not needed"));
    }
    if (row.status_code !== StatusCode.UPLOAD_IN_PROGRESS) {
      return answer(status(row.status_code, undefined, "the upload takes no more parts"));
    }
    const invalid = requestProblem(row, parts);
    if (invalid !== null) return answer(status(StatusCode.CONN_INVALID_REQUEST, undefined, invalid));
    const stored = this.store.uploads.parts(row.seq);
    const fresh: NewPart[] = [];
    for (const part of parts) {
      const candidate = newPart(part);
      const conflict =
        this.sameNumberProblem(candidate, [...stored, ...fresh.map((f) => f.row)]) ??
        (await this.overlapProblem(row, candidate, stored, fresh));
      if (conflict === "same") continue;
      if (conflict !== null) return answer(status(StatusCode.UPLOAD_CONFLICT, undefined, conflict));
      fresh.push(candidate);
    }
    for (const part of fresh) await this.files.writePart(row.dir, part.row.part_number, part.data);
    const open = this.store.transaction(() => {
      const current = this.store.uploads.get(scope, uploadId);
      if (current?.status_code !== StatusCode.UPLOAD_IN_PROGRESS) return false;
      const nowMs = Date.now();
      for (const part of fresh) this.store.uploads.addPart(row.seq, part.row, nowMs);
      return true;
    });
    if (!open) return answer(status(StatusCode.UPLOAD_CANCELED, undefined, "the upload was cancelled meanwhile"));
    const all = this.store.uploads.parts(row.seq);
    if (missingRanges(ranges(all), row.content_length).length === 0) await this.complete(row, all);
    return answer(ok());
  }

  /** "same" when the part was received before with the same bytes; a conflict; or null (a new number). */
  private sameNumberProblem(part: NewPart, known: readonly PartRow[]): string | "same" | null {
    const before = known.find((k) => k.part_number === part.row.part_number);
    if (before === undefined) return null;
    if (
      before.range_start === part.row.range_start &&
      before.length === part.row.length &&
      before.sha256 === part.row.sha256
    ) {
      return "same";
    }
    return (
      `part ${part.row.part_number} was received before as bytes ${before.range_start}-` +
      `${before.range_start + before.length - 1} with other content; a part cannot change`
    );
  }

  /** A conflict when bytes this part shares with another part differ, else null. */
  private async overlapProblem(
    row: UploadRow,
    part: NewPart,
    stored: readonly PartRow[],
    fresh: readonly NewPart[],
  ): Promise<string | null> {
    const mine = { start: part.row.range_start, end: part.row.range_start + part.row.length };
    const others: { row: PartRow; data?: Buffer }[] = [...stored.map((r) => ({ row: r })), ...fresh];
    for (const other of others) {
      const shared = overlap(mine, { start: other.row.range_start, end: other.row.range_start + other.row.length });
      if (shared === null) continue;
      const length = shared.end - shared.start;
      const theirs =
        other.data?.subarray(shared.start - other.row.range_start, shared.end - other.row.range_start) ??
        (await this.files.readPart(row.dir, other.row.part_number, shared.start - other.row.range_start, length));
      const ours = part.data.subarray(shared.start - mine.start, shared.end - mine.start);
      if (!ours.equals(theirs)) {
        return (
          `part ${part.row.part_number} (bytes ${mine.start}-${mine.end - 1}) differs from part ` +
          `${other.row.part_number} in bytes ${shared.start}-${shared.end - 1}`
        );
      }
    }
    return null;
  }

  /** Assembles the archive, marks the upload done and queues its extraction. */
  private async complete(row: UploadRow, parts: readonly PartRow[]): Promise<void> {
    await this.files.assemble(row.dir, parts, row.content_length);
    const scope = { userId: row.user_id, appId: row.app_id };
    const extractionId = randomId();
    const key = row.content_name !== "" ? row.content_name : row.id;
    const source: UploadSource = { kind: "upload", dir: row.dir, key };
    const done = this.store.transaction(() => {
      const current = this.store.uploads.get(scope, row.id);
      if (current?.status_code !== StatusCode.UPLOAD_IN_PROGRESS) return false;
      const nowMs = Date.now();
      this.store.extractions.insert(
        scope,
        {
          id: extractionId,
          jobId: row.job_id,
          url: `upload://${row.id}/${encodeURIComponent(row.content_name)}`,
          source: JSON.stringify(source),
          uploadId: row.id,
          conflict: row.conflict,
          template: row.template,
          credentialsKind: null,
          statusCode: StatusCode.JOB_QUEUED,
        },
        nowMs,
      );
      this.store.uploads.markDone(row.seq, StatusCode.UPLOAD_DONE, extractionId, nowMs);
      return true;
    });
    if (!done) return;
    const name = `upload ${row.id} (${row.user_id}/${row.app_id})`;
    this.deps.log?.(`${name}: all ${row.content_length} bytes received; extracting`);
    await this.files.removeParts(row.dir, parts.map((p) => p.part_number)).catch(() => undefined);
    this.deps.kickExtractor();
  }

  /** Whether an upload folder is still needed: its upload takes parts, or its archive awaits extraction. */
  private keeps(dir: string): boolean {
    const row = this.store.uploads.byDir(dir);
    if (row === undefined) return false;
    if (row.status_code === StatusCode.UPLOAD_IN_PROGRESS) return true;
    if (row.status_code !== StatusCode.UPLOAD_DONE || row.extraction_id === null) return false;
    const extraction = this.store.extractions.get({ userId: row.user_id, appId: row.app_id }, row.extraction_id);
    if (extraction === undefined) return false;
    return isActiveExtraction(extraction.status_code) || this.deps.extractionRunning(extraction.seq);
  }
}

function lockKey(scope: Scope, uploadId: string): string {
  return JSON.stringify([scope.userId, scope.appId, uploadId]);
}

function newPart(part: UploadContentPart): NewPart {
  return {
    row: {
      part_number: part.partNumber,
      range_start: part.rangeStart,
      length: part.data.length,
      sha256: createHash("sha256").update(part.data).digest("hex"),
    },
    data: part.data,
  };
}

function ranges(parts: readonly PartRow[]): { start: number; end: number }[] {
  return parts.map((p) => ({ start: p.range_start, end: p.range_start + p.length }));
}

function requestProblem(row: UploadRow, parts: readonly UploadContentPart[]): string | null {
  if (parts.length === 0) return "the request has no content_parts";
  for (const part of parts) {
    if (!Number.isSafeInteger(part.partNumber) || part.partNumber < 1) {
      return `part_number ${part.partNumber} is not valid: parts are numbered from 1`;
    }
    if (part.data.length === 0) return `part ${part.partNumber} has no data`;
    const end = part.rangeStart + part.data.length;
    if (end > row.content_length) {
      return (
        `part ${part.partNumber} covers bytes ${part.rangeStart}-${end - 1}, beyond the upload's ` +
        `content_length of ${row.content_length} bytes`
      );
    }
  }
  return null;
}
