import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { processInput } from "./process-input.js";
import type { ProcessingResult, Store } from "./store.js";
import type { ClaimedRow } from "./store/inputs-table.js";

export interface ProcessorOptions {
  /** An input is not picked up before it is this old (lets tests see it pending). */
  processingDelayMs?: number;
  /** Inputs processed at once. */
  concurrency?: number;
  downloadTimeoutMs?: number;
  log?: (line: string) => void;
  /** Injected processing failures (serve --fault-processing-failure). */
  failsProcessing?: (key: string) => boolean;
}

/**
 * Processes pending inputs in the background, in batches: claims up to
 * `concurrency` pending inputs in one transaction (they become INPUT_IN_PROGRESS),
 * processes them concurrently, and writes the outcomes (INPUT_SUCCESS or
 * INPUT_FAILED) and the job counters in one transaction per flush.
 */
export class Processor {
  private readonly delayMs: number;
  private readonly concurrency: number;
  private readonly downloadTimeoutMs: number;
  private readonly log: (line: string) => void;
  private readonly failsProcessing: (key: string) => boolean;
  private readonly abort = new AbortController();
  private readonly inflight = new Set<Promise<void>>();
  private results: ProcessingResult[] = [];
  private started = false;
  private stopped = false;
  private pumpScheduled = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    options: ProcessorOptions = {},
  ) {
    this.delayMs = Math.max(0, options.processingDelayMs ?? 0);
    this.concurrency = Math.max(1, options.concurrency ?? 32);
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 15_000;
    this.log = options.log ?? (() => undefined);
    this.failsProcessing = options.failsProcessing ?? (() => false);
  }

  /** Puts inputs a previous run left in progress back to pending, and starts. */
  start(): void {
    this.started = true;
    const recovered = this.store.recover();
    if (recovered > 0) this.log(`resuming processing of ${recovered} input(s) left in progress`);
    this.kick();
  }

  /** Tells the processor there may be new pending inputs (nothing is claimed before start()). */
  kick(): void {
    if (!this.started || this.stopped || this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Stops claiming, lets the inputs in progress finish (downloads are aborted), writes their outcomes. */
  async close(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    clearTimeout(this.wakeTimer);
    clearTimeout(this.flushTimer);
    await Promise.allSettled([...this.inflight]);
    this.flush();
  }

  private pump(): void {
    if (this.stopped) return;
    const free = this.concurrency - this.inflight.size;
    // Claim in batches: wait until half the slots are free unless nothing is running.
    if (free <= 0 || (this.inflight.size > 0 && free < this.concurrency / 2)) return;
    const rows = this.store.claim(free, Date.now() - this.delayMs);
    for (const row of rows) this.track(row);
    if (rows.length === 0 && this.inflight.size === 0) this.scheduleWake();
  }

  private track(row: ClaimedRow): void {
    const task = this.processOne(row).finally(() => {
      this.inflight.delete(task);
      this.scheduleFlush();
    });
    this.inflight.add(task);
  }

  private async processOne(row: ClaimedRow): Promise<void> {
    const scope = { userId: row.user_id, appId: row.app_id };
    let result: ProcessingResult;
    try {
      if (this.failsProcessing(`${row.user_id}/${row.app_id}/${row.id}`)) throw new Error("injected by --fault-processing-failure; posted again, it succeeds");
      const outcome = await processInput(row, {
        blobs: this.store.blobs,
        downloadTimeoutMs: this.downloadTimeoutMs,
        signal: this.abort.signal,
      });
      result = { seq: row.seq, scope, jobId: row.job_id, ...outcome };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`processing input ${row.user_id}/${row.app_id}/${row.id} failed: ${message}`);
      result = {
        seq: row.seq,
        scope,
        jobId: row.job_id,
        code: StatusCode.INPUT_FAILED,
        description: `input could not be processed: ${message}`,
        data: null,
      };
    }
    // A failure while stopping may be the stop itself (an aborted download): leave
    // the input in progress; the next start puts it back to pending.
    if (this.stopped && result.code === StatusCode.INPUT_FAILED) return;
    this.results.push(result);
  }

  private scheduleFlush(): void {
    if (this.results.length >= this.concurrency || this.inflight.size === 0) {
      this.flush();
      this.pump();
      return;
    }
    if (this.flushTimer !== undefined) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
      this.pump();
    }, 5);
  }

  private flush(): void {
    if (this.results.length === 0) return;
    const batch = this.results;
    this.results = [];
    try {
      this.store.finish(batch);
    } catch (error) {
      this.log(`could not record processing outcomes: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!this.stopped) this.pump();
  }

  /** Inputs that are pending but not yet old enough: come back when the oldest is. */
  private scheduleWake(): void {
    if (this.delayMs === 0) return;
    const oldest = this.store.inputs.oldestPendingCreatedMs();
    if (oldest === undefined) return;
    clearTimeout(this.wakeTimer);
    const wait = Math.max(1, oldest + this.delayMs - Date.now() + 1);
    this.wakeTimer = setTimeout(() => this.pump(), wait);
  }
}
