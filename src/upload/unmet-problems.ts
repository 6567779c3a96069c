import type { UploadEvent } from "./events.js";
import type { JobState } from "./joblog.js";

/** Sources followed at most: a job with more that never got in keeps their records as they are. */
const MOST_FOLLOWED = 100_000;

/**
 * The sources a job's log says never got in (rejected, failed to send, in conflict) that
 * this run has not met yet. A run that walks the whole source and never meets one (the
 * file deleted, the row taken out of the manifest) records it gone, so that `log show`
 * and `status` stop counting a problem the run itself no longer sees.
 */
export class UnmetProblems {
  private readonly unmet: Set<string> | undefined;

  constructor(state: JobState, mostFollowed = MOST_FOLLOWED) {
    const sources = state.latest.neverGotIn(mostFollowed);
    this.unmet = sources && sources.length > 0 ? new Set(sources) : undefined;
  }

  readonly listener = (event: UploadEvent): void => {
    if (event.type === "discovered" && this.unmet) this.unmet.delete(event.source);
  };

  /** Those the run did not meet. */
  get sources(): ReadonlySet<string> {
    return this.unmet ?? new Set();
  }
}
