import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import type { Store } from "../store.js";
import type { ExtractionRow } from "../store/extractions-table.js";
import { type RunEnd, runExtraction } from "./run-extraction.js";
import { redactUrl } from "./source.js";

export interface ExtractorOptions {
  /** Folder of the uploads (DIR/uploads). */
  uploadsRoot: string;
  /** Extraction jobs run at once (default 2). */
  concurrency?: number;
  /** Pause before each file or archive entry (default 0). */
  delayMs?: number;
  /** Called when an extraction created inputs. */
  onCreated: () => void;
  /** Called when an extraction has ended (completed, failed or cancelled). */
  onEnded?: (row: ExtractionRow) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * Runs extraction jobs in the background, a few at a time, oldest first:
 * first those a previous run of the server left JOB_RUNNING (they resume from
 * their last commit), then the JOB_QUEUED ones, which become JOB_RUNNING when
 * they start. Cancelling is a status change in the database that a running
 * job notices before its next file.
 */
export class Extractor {
  private readonly concurrency: number;
  private readonly log: (line: string) => void;
  private readonly abort = new AbortController();
  private readonly running = new Map<number, Promise<void>>();
  /** Jobs whose outcome could not even be recorded: not retried before a restart. */
  private readonly broken = new Set<number>();
  private started = false;
  private stopped = false;
  private kickScheduled = false;

  constructor(
    private readonly store: Store,
    private readonly options: ExtractorOptions,
  ) {
    this.concurrency = Math.max(1, options.concurrency ?? 2);
    this.log = options.log ?? (() => undefined);
  }

  start(): void {
    this.started = true;
    const resumed = this.store.extractions.byStatus(StatusCode.JOB_RUNNING).length;
    if (resumed > 0) this.log(`resuming ${resumed} extraction job(s) left running`);
    this.kick();
  }

  /** Tells the extractor there may be queued jobs (nothing runs before start()). */
  kick(): void {
    if (!this.started || this.stopped || this.kickScheduled) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.launch();
    });
  }

  /** Whether this job is being run right now. */
  isRunning(seq: number): boolean {
    return this.running.has(seq);
  }

  /** Stops the running jobs before their next file (they resume after a restart). */
  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }

  private launch(): void {
    if (this.stopped) return;
    const candidates = [
      ...this.store.extractions.byStatus(StatusCode.JOB_RUNNING),
      ...this.store.extractions.byStatus(StatusCode.JOB_QUEUED),
    ];
    for (const row of candidates) {
      if (this.running.size >= this.concurrency) return;
      if (this.running.has(row.seq) || this.broken.has(row.seq)) continue;
      const started = this.begin(row);
      if (started === undefined) continue;
      const task = this.runOne(started).finally(() => {
        this.running.delete(row.seq);
        this.kick();
      });
      this.running.set(row.seq, task);
    }
  }

  /** A queued job becomes running; a running one is resumed as it is; undefined if it changed meanwhile. */
  private begin(row: ExtractionRow): ExtractionRow | undefined {
    return this.store.transaction(() => {
      const current = this.store.extractions.bySeq(row.seq);
      if (current === undefined) return undefined;
      if (current.status_code === StatusCode.JOB_QUEUED) {
        this.store.extractions.setStatus(current.seq, StatusCode.JOB_RUNNING, "", Date.now());
        return this.store.extractions.bySeq(row.seq);
      }
      return current.status_code === StatusCode.JOB_RUNNING ? current : undefined;
    });
  }

  private async runOne(row: ExtractionRow): Promise<void> {
    const name = `extraction job ${row.id} (${row.user_id}/${row.app_id}, ${redactUrl(row.url)})`;
    this.log(`${name}: ${row.pos_file > 0 || row.pos_entry > 0 ? "resumed" : "started"}`);
    let end: RunEnd;
    try {
      end = await runExtraction(row, {
        store: this.store,
        uploadsRoot: this.options.uploadsRoot,
        delayMs: Math.max(0, this.options.delayMs ?? 0),
        signal: this.abort.signal,
        onCreated: this.options.onCreated,
      });
    } catch (error) {
      // Only a failure to record progress (database, disk) gets here: the job fails.
      const why = `progress could not be recorded: ${error instanceof Error ? error.message : String(error)}`;
      this.log(`${name}: ${why}`);
      try {
        this.store.transaction(() => {
          if (this.store.extractions.bySeq(row.seq)?.status_code === StatusCode.JOB_RUNNING) {
            this.store.extractions.setStatus(row.seq, StatusCode.JOB_FAILED, why, Date.now());
          }
        });
      } catch {
        this.broken.add(row.seq);
      }
      return;
    }
    if (end === "stopped") {
      this.log(`${name}: interrupted by the stop; it resumes at the next start`);
      return;
    }
    const final = this.store.extractions.bySeq(row.seq);
    if (final === undefined) return;
    const created = final.image_count + final.video_count + final.text_count + final.audio_count;
    this.log(`${name}: ${end}, ${created} input(s) created${end === "failed" ? `: ${final.status_details}` : ""}`);
    await this.options.onEnded?.(final).catch((error: unknown) => {
      this.log(`${name}: clean-up failed: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
