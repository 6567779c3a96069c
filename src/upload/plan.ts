import type { BatchLimits } from "../plan/batcher.js";
import type { IdFrom } from "../plan/ids.js";
import type { SourceReport } from "../sources/candidate.js";
import type { CandidateGroups } from "../sources/groups.js";
import type { AnnotationSource } from "./annotations.js";
import type { IdConflictPolicy } from "./conflicts.js";
import type { InputDefaults } from "./request.js";
import type { TransformFunction } from "./transform.js";

export interface Shard {
  index: number;
  count: number;
}

/** What to upload and how: everything the CLI decided, as plain data. */
export interface UploadPlan {
  candidates: (report: SourceReport) => CandidateGroups;
  idFrom: IdFrom;
  idPrefix: string;
  shard?: Shard;
  batchLimits: BatchLimits;
  concurrency: number;
  /** Bytes of file content all batches in flight may hold at once. */
  memoryBudgetBytes: number;
  defaults: InputDefaults;
  dryRun: boolean;
  /** `--transform`: changes each accepted input, or skips it, before it is packed. */
  transform?: TransformFunction;
  /** `--annotations`, `--sidecars`: regions posted for each input once it is accepted. */
  annotations?: AnnotationSource;
  /** Send even inputs the job log says were acknowledged, and whatever shard their ids fall in (status --retry after deleting them). */
  resend?: boolean;
  /** `--id-conflict`: an id taken on the server by other content. */
  idConflict: IdConflictPolicy;
  /** `--max-processing-attempts`: an input that failed processing this often over all runs is not sent again. */
  maxProcessingAttempts: number;
}
