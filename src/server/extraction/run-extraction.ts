import { open, readFile, stat } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { Input } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { KIND_LIMITS, MiB } from "../../validate/limits.js";
import type { Store } from "../store.js";
import type { ExtractionRow } from "../store/extractions-table.js";
import { ExtractionBatch } from "./batch.js";
import { commitBatch, type Finish } from "./commit-batch.js";
import { inputIdFromKey } from "./input-id.js";
import { makeInput } from "./make-input.js";
import type { ExtractionSource } from "./source.js";
import { type SourceObject, SourceError, walkSource } from "./walk.js";
import { isZip, zipEntries } from "./zip-reader.js";

/** No input of any kind may be this large; bigger files are refused without being read. */
const MAX_FILE_BYTES = Math.max(...Object.values(KIND_LIMITS).map((l) => l.maxBytesExclusive));

export interface RunDeps {
  store: Store;
  /** Folder of the uploads (DIR/uploads). */
  uploadsRoot: string;
  /** Pause before each file or archive entry (tests watch jobs run with it). */
  delayMs: number;
  /** Aborted when the server stops. */
  signal: AbortSignal;
  /** Called after each commit that created inputs (wakes the processor). */
  onCreated: () => void;
}

export type RunEnd = "completed" | "failed" | "cancelled" | "stopped";

/**
 * Runs (or resumes) one extraction job, which is JOB_RUNNING: counts the
 * archives still to extract, then walks the source's objects in their stable
 * order from the job's resume point, turning each file, and each entry of each
 * ZIP archive, into an input (nested archives are skipped and counted as
 * failed archives). Work is committed in batches with the resume point; before
 * each object the job checks that it is still running (a cancel stops it
 * there) and that the server is not stopping (it then stays JOB_RUNNING and
 * resumes after the restart). Ends JOB_COMPLETED, or JOB_FAILED when the
 * source cannot be read.
 */
export async function runExtraction(row: ExtractionRow, deps: RunDeps): Promise<RunEnd> {
  return new ExtractionRun(row, deps).run();
}

class StopSignal extends Error {}

class ExtractionRun {
  private readonly source: ExtractionSource;
  private readonly template: Input | undefined;
  private readonly knownDatasets: ReadonlySet<string>;
  private batch: ExtractionBatch;

  constructor(
    private readonly row: ExtractionRow,
    private readonly deps: RunDeps,
  ) {
    this.source = JSON.parse(row.source) as ExtractionSource;
    this.template = row.template === null ? undefined : Input.decode(row.template);
    const scope = { userId: row.user_id, appId: row.app_id };
    this.knownDatasets = deps.store.datasets.existing(scope, this.template?.datasetIds ?? []);
    this.batch = new ExtractionBatch(row.pos_file, row.pos_entry);
  }

  async run(): Promise<RunEnd> {
    try {
      await this.planArchives();
      let index = 0;
      for await (const object of walkSource(this.source, this.deps.uploadsRoot)) {
        if (index >= this.row.pos_file) {
          const resumeEntry = index === this.row.pos_file ? this.row.pos_entry : 0;
          await this.handleObject(object, index, resumeEntry);
          this.batch.moveTo(index + 1, 0);
          await this.commitIfDue();
        }
        index++;
      }
      return (await this.commit({ code: StatusCode.JOB_COMPLETED, details: "" })) ? "completed" : "cancelled";
    } catch (error) {
      if (error instanceof StopSignal) return this.stop();
      const why = error instanceof SourceError ? error.message : `the source could not be read: ${messageOf(error)}`;
      return (await this.commit({ code: StatusCode.JOB_FAILED, details: why })) ? "failed" : "cancelled";
    }
  }

  /** Keeps what was done (with its resume point); the job stays as it is. */
  private async stop(): Promise<RunEnd> {
    if (this.stillRunning()) {
      await this.commit();
      return "stopped";
    }
    return "cancelled";
  }

  /** Sets the pending and in-progress archive counts from the resume point on. */
  private async planArchives(): Promise<void> {
    let pending = 0;
    let inProgress = 0;
    let index = 0;
    for await (const object of walkSource(this.source, this.deps.uploadsRoot)) {
      if (index >= this.row.pos_file && isZip(await readHead(object.path).catch(() => Buffer.alloc(0)))) {
        if (index === this.row.pos_file && this.row.pos_entry > 0) inProgress++;
        else pending++;
      }
      index++;
      if (index % 256 === 0) this.checkpoint();
    }
    this.checkpoint();
    this.deps.store.transaction(() => {
      if (this.stillRunning()) this.deps.store.extractions.planArchives(this.row.seq, pending, inProgress, Date.now());
    });
  }

  private async handleObject(object: SourceObject, index: number, resumeEntry: number): Promise<void> {
    await this.pause();
    let size: number;
    try {
      size = (await stat(object.path)).size;
      if (size >= 4 && isZip(await readHead(object.path))) {
        await this.handleArchive(object, index, resumeEntry);
        return;
      }
    } catch (error) {
      if (error instanceof StopSignal) throw error;
      this.batch.reject(object.key, `the file could not be read (${messageOf(error)})`);
      return;
    }
    if (size >= MAX_FILE_BYTES) {
      this.batch.reject(object.key, tooLarge(size));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(object.path);
    } catch (error) {
      this.batch.reject(object.key, `the file could not be read (${messageOf(error)})`);
      return;
    }
    await this.addBytes(object.key, bytes);
  }

  private async handleArchive(object: SourceObject, index: number, resumeEntry: number): Promise<void> {
    if (resumeEntry === 0) this.batch.archive({ pending: -1, inProgress: 1 });
    try {
      for await (const entry of zipEntries(object.path)) {
        if (entry.index < resumeEntry) continue;
        if (!entry.isDirectory && !entry.name.startsWith("__MACOSX/")) {
          await this.pause();
          await this.handleEntry(`${object.key}/${entry.name.replace(/^\/+/, "")}`, entry);
        }
        this.batch.moveTo(index, entry.index + 1);
        await this.commitIfDue();
      }
    } catch (error) {
      if (error instanceof StopSignal) throw error;
      this.batch.archive({ inProgress: -1, failed: 1 });
      this.batch.problem(object.key, `the archive could not be extracted (${messageOf(error)})`);
      return;
    }
    this.batch.archive({ inProgress: -1, completed: 1 });
  }

  private async handleEntry(
    key: string,
    entry: { size: number; encrypted: boolean; read(): Promise<Buffer> },
  ): Promise<void> {
    if (entry.encrypted) {
      this.batch.reject(key, "the archive entry is encrypted");
      return;
    }
    if (entry.size >= MAX_FILE_BYTES) {
      this.batch.reject(key, tooLarge(entry.size));
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await entry.read();
    } catch (error) {
      this.batch.reject(key, `the archive entry could not be read (${messageOf(error)})`);
      return;
    }
    if (isZip(bytes)) {
      this.batch.archive({ failed: 1 });
      this.batch.problem(key, "archives inside archives are not extracted");
      return;
    }
    await this.addBytes(key, bytes);
  }

  private async addBytes(key: string, bytes: Buffer): Promise<void> {
    const made = await makeInput(inputIdFromKey(key), bytes, this.template, this.knownDatasets);
    if (made.ok) this.batch.add({ key, input: made.input, verdict: made.verdict, kind: made.kind });
    else this.batch.reject(key, made.description);
  }

  private async commitIfDue(): Promise<void> {
    if (!this.batch.due()) return;
    if (!(await this.commit())) throw new StopSignal();
  }

  /** Commits the batch; false when the job was cancelled meanwhile (nothing committed). */
  private async commit(finish?: Finish): Promise<boolean> {
    const batch = this.batch;
    this.batch = batch.next();
    const { committed, created } = await commitBatch(this.deps.store, this.row.seq, batch, finish);
    if (created > 0) this.deps.onCreated();
    return committed;
  }

  /** Waits the configured delay; throws StopSignal when the job should stop. */
  private async pause(): Promise<void> {
    if (this.deps.delayMs > 0) {
      try {
        await sleep(this.deps.delayMs, undefined, { signal: this.deps.signal });
      } catch {
        throw new StopSignal();
      }
    }
    this.checkpoint();
  }

  private checkpoint(): void {
    if (this.deps.signal.aborted || !this.stillRunning()) throw new StopSignal();
  }

  private stillRunning(): boolean {
    return this.deps.store.extractions.bySeq(this.row.seq)?.status_code === StatusCode.JOB_RUNNING;
  }
}

async function readHead(path: string): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function tooLarge(size: number): string {
  return `the file is ${size} bytes; no input may be ${MAX_FILE_BYTES / MiB} MiB or larger`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
