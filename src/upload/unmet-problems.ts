import { lstatSync } from "node:fs";
import { isAbsolute } from "node:path";
import type { UploadEvent } from "./events.js";
import type { JobState } from "./joblog.js";

/** Sources followed at most: a job with more that never got in keeps their records as they are. */
const MOST_FOLLOWED = 100_000;

/**
 * The files a job's log says never got in (rejected, failed to send, in conflict) that
 * this run has not met yet. Those a run of the whole source never met, and that are gone
 * from the disk, were deleted (or moved) by the user: the run records them gone, so that
 * `log show` and `status` stop counting a problem the run itself no longer sees. Only for
 * jobs whose sources are files on disk (`folder`, `files`); a file still there (left out
 * by another --include, a list that did not name it this time, a folder that could not be
 * read) keeps its record.
 */
export class UnmetProblems {
  private readonly unmet: Set<string> | undefined;
  private met = 0;

  constructor(state: JobState, mostFollowed = MOST_FOLLOWED) {
    const sources = state.latest.neverGotIn(mostFollowed)?.filter(isAbsolute);
    this.unmet = sources && sources.length > 0 ? new Set(sources) : undefined;
  }

  /** There are such files: only then does the run need to hear of what it meets. */
  get following(): boolean {
    return this.unmet !== undefined;
  }

  readonly listener = (event: UploadEvent): void => {
    if (event.type !== "discovered") return;
    this.met++;
    this.unmet?.delete(event.source);
  };

  /**
   * Those the run did not meet and that no longer exist. None when the run met nothing: a
   * whole tree that looks gone (a volume not mounted, an emptied folder) is not taken for
   * files deleted one by one.
   */
  gone(): string[] {
    return this.met === 0 ? [] : [...(this.unmet ?? [])].filter(isGone);
  }
}

/**
 * The file is not there: not found (a folder that cannot be read is not knowing), and not
 * an entry (`ARCHIVE:NAME`) of an archive that is still there, however it reads now.
 */
function isGone(source: string): boolean {
  try {
    if (lstatSync(source, { throwIfNoEntry: false }) !== undefined) return false;
    for (let at = source.indexOf(":"); at > 0; at = source.indexOf(":", at + 1)) {
      if (lstatSync(source.slice(0, at), { throwIfNoEntry: false }) !== undefined) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Commands whose sources are the paths of files on disk. */
export const FILE_SOURCE_COMMANDS: ReadonlySet<string> = new Set(["folder", "files"]);
