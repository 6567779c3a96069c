import { MAX_INPUTS_PER_REQUEST, MAX_REQUEST_BYTES_EXCLUSIVE, MiB } from "../validate/limits.js";
import type { Region } from "../gen/clarifai/api/resources.js";
import type { Accepted } from "../validate/validate.js";

/** An accepted input with its final id, ready to be packed. */
export interface PlannedInput {
  readonly id: string;
  readonly accepted: Accepted;
  /** What it adds to a request: its bytes plus the id, metadata and framing. */
  readonly requestBytes: number;
  /** Regions to post as annotations once the input is accepted. */
  readonly regions?: readonly Region[];
  /** It failed processing on the server: delete the input under its id before sending it again. */
  readonly replacesFailed?: boolean;
  /** Times the platform failed to process it before, over every run. */
  readonly processingFailures?: number;
  /** Sent again within the delivery of its batch (under a new id, or after a delete). */
  readonly resent?: boolean;
  /** Sent again under the id a second file of its name takes (`--id-from name`): `--id-conflict` still applies there, once. */
  readonly renamed?: boolean;
}

export interface Batch {
  /** 1-based, in the order batches were planned. */
  readonly seq: number;
  readonly inputs: readonly PlannedInput[];
  readonly bytes: number;
}

export interface BatchLimits {
  maxInputs: number;
  maxBytes: number;
}

/** Per-input overhead allowance on top of the payload: id, concepts, metadata, field tags. */
export const INPUT_OVERHEAD_BYTES = 1024;

/** Defaults with headroom under the platform's 128 inputs and 128 MB per request. */
export const DEFAULT_BATCH_LIMITS: BatchLimits = { maxInputs: MAX_INPUTS_PER_REQUEST, maxBytes: 16 * MiB };

export function checkBatchLimits(limits: BatchLimits): string | undefined {
  if (!Number.isInteger(limits.maxInputs) || limits.maxInputs < 1 || limits.maxInputs > MAX_INPUTS_PER_REQUEST) {
    return `--batch-size must be an integer from 1 to ${MAX_INPUTS_PER_REQUEST}`;
  }
  if (!Number.isFinite(limits.maxBytes) || limits.maxBytes < 1 || limits.maxBytes >= MAX_REQUEST_BYTES_EXCLUSIVE) {
    return `--batch-bytes must be at least 1 and under ${MAX_REQUEST_BYTES_EXCLUSIVE / MiB} MiB`;
  }
  return undefined;
}

/**
 * Packs inputs into requests: at most `maxInputs` each, under `maxBytes` (an input
 * larger than that travels alone), and a video always alone. Takes inputs a group at a
 * time; a batch is yielded as soon as it is full.
 */
export async function* planBatches(groups: AsyncIterable<readonly PlannedInput[]>, limits: BatchLimits = DEFAULT_BATCH_LIMITS): AsyncGenerator<Batch> {
  let seq = 0;
  let current: PlannedInput[] = [];
  let bytes = 0;
  const flush = (): Batch => {
    const batch = { seq: ++seq, inputs: current, bytes };
    current = [];
    bytes = 0;
    return batch;
  };
  for await (const group of groups) {
    for (const input of group) {
      if (input.accepted.kind === "video") {
        yield { seq: ++seq, inputs: [input], bytes: input.requestBytes };
        continue;
      }
      if (current.length > 0 && (current.length >= limits.maxInputs || bytes + input.requestBytes > limits.maxBytes)) {
        yield flush();
      }
      current.push(input);
      bytes += input.requestBytes;
    }
  }
  if (current.length > 0) yield flush();
}
