import type { PlannedInput } from "../plan/batcher.js";
import { UploadError } from "../errors.js";
import type { Reason } from "../reasons.js";

/** Where one input stands once its batch is delivered. */
export interface Delivered {
  input: PlannedInput;
  status: "uploaded" | "present" | "conflict" | "kept" | "failed";
  /** The digest of what was sent (absent when the file could not be read). */
  digest?: string;
  reason?: Reason;
  message?: string;
}

/** The API could not be reached after every retry; carries the states of the batch that found out. */
export class UnreachableError extends UploadError {
  constructor(
    message: string,
    readonly outcomes: Delivered[],
  ) {
    super("unreachable", message);
  }
}
