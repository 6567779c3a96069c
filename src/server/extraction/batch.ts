import type { Input } from "../../gen/clarifai/api/resources.js";
import type { InputKind } from "../../validate/limits.js";
import type { Accepted } from "../handlers/input-checks.js";

/** An object (or archive entry) that passed the input checks, waiting to be committed. */
export interface BatchItem {
  key: string;
  input: Input;
  verdict: Accepted;
  kind: InputKind;
}

export interface ArchiveCounts {
  pending: number;
  inProgress: number;
  completed: number;
  failed: number;
}

/** Inputs per commit, bytes per commit, and how long a batch stays open. */
const MAX_ITEMS = 64;
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_AGE_MS = 100;

/**
 * What an extraction did since its last commit: the inputs to create, the
 * files that could not become inputs, archive counter changes and the resume
 * point after all of it. Committed in one transaction (commit-batch.ts), so a
 * stop between commits resumes exactly where the last commit left off.
 */
export class ExtractionBatch {
  items: BatchItem[] = [];
  rejected = 0;
  problems: string[] = [];
  archives: ArchiveCounts = { pending: 0, inProgress: 0, completed: 0, failed: 0 };
  private bytes = 0;
  private openedMs = Date.now();

  constructor(
    public posFile: number,
    public posEntry: number,
  ) {}

  add(item: BatchItem): void {
    this.items.push(item);
    this.bytes += (item.verdict.media?.length ?? 0) + (item.verdict.text?.length ?? 0);
  }

  reject(key: string, why: string): void {
    this.rejected++;
    this.problem(key, why);
  }

  problem(key: string, why: string): void {
    if (this.problems.length < 10) this.problems.push(`${key}: ${why}`);
  }

  archive(delta: Partial<ArchiveCounts>): void {
    this.archives.pending += delta.pending ?? 0;
    this.archives.inProgress += delta.inProgress ?? 0;
    this.archives.completed += delta.completed ?? 0;
    this.archives.failed += delta.failed ?? 0;
  }

  moveTo(file: number, entry: number): void {
    this.posFile = file;
    this.posEntry = entry;
  }

  /** Time to commit: enough inputs or bytes, or open long enough for progress to show. */
  due(nowMs = Date.now()): boolean {
    return this.items.length >= MAX_ITEMS || this.bytes >= MAX_BYTES || nowMs - this.openedMs >= MAX_AGE_MS;
  }

  /** Starts the next batch at the position this one reached. */
  next(): ExtractionBatch {
    return new ExtractionBatch(this.posFile, this.posEntry);
  }
}
