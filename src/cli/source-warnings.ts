import type { LeftOutReason, SourceReport } from "../sources/candidate.js";
import type { CandidateGroups } from "../sources/groups.js";
import { walkFolder, type FolderOptions } from "../sources/folder.js";

/** What a walk left out, by why (see FolderOptions.onSkip). */
export type SkipCounts = Record<LeftOutReason, number>;

export function noSkips(): SkipCounts {
  return { hidden: 0, symlink: 0, not_a_file: 0 };
}

/**
 * Passes a folder's files through and, once the walk is over, says what it left out
 * (hidden files, symlinks not followed, special files), and when something the user
 * asked for found nothing: an empty folder, an --include that matched no file (with
 * a hint when matching regardless of case would have found some: globs are
 * case-sensitive, so `*.JPG` misses `a.jpg`), an --exclude that left nothing out.
 */
export function warnWhenNothingMatched(files: CandidateGroups, root: string, options: FolderOptions, report: SourceReport, skipped: SkipCounts = noSkips()): CandidateGroups {
  return thenCount(files, (found) => warnAfterWalk(found, root, options, report, skipped));
}

async function warnAfterWalk(found: number, root: string, options: FolderOptions, report: SourceReport, skipped: SkipCounts): Promise<void> {
  const left = [
    plural(skipped.hidden, "hidden file or folder", "hidden files or folders", "--hidden takes them"),
    plural(skipped.symlink, "symbolic link", "symbolic links", "--follow-symlinks follows them"),
    plural(skipped.not_a_file, "entry that is not a regular file", "entries that are not regular files", ""),
  ].filter((part) => part !== "");
  if (left.length > 0) report.warning(root, `${root}: left out ${left.join(", ")}`);
  const includes = options.include ?? [];
  if (found === 0) {
    if (includes.length === 0) {
      report.warning(root, `${root}: no files found${options.hidden ? "" : " (hidden files and folders are skipped without --hidden)"}`);
    } else {
      const named = includes.map((glob) => `--include '${glob}'`).join(", ");
      const caseHint = !options.ignoreCase && (await anyFile(root, { ...options, ignoreCase: true })) ? `; matching regardless of case would find files: add --ignore-case` : "";
      report.warning(root, `${root}: no file matches ${named}${caseHint}`);
    }
  } else if (includes.length > 1) {
    for (const glob of includes) {
      if (!(await anyFile(root, { ...options, include: [glob] }))) report.warning(root, `${root}: --include '${glob}' matched nothing`);
    }
  }
  for (const glob of options.exclude ?? []) {
    if (!(await anyFile(root, { ...options, include: [glob], exclude: [] }))) report.warning(root, `${root}: --exclude '${glob}' matched nothing`);
  }
}

/** Passes candidates through; calls `warn` when there were none. */
export function warnWhenEmpty(candidates: CandidateGroups, warn: () => void): CandidateGroups {
  return thenCount(candidates, (found) => {
    if (found === 0) warn();
  });
}

/** Passes the groups through, then tells `then` how many candidates they held. */
async function* thenCount(groups: CandidateGroups, then: (found: number) => void | Promise<void>): CandidateGroups {
  let found = 0;
  for await (const group of groups) {
    found += group.length;
    yield group;
  }
  await then(found);
}

async function anyFile(root: string, options: FolderOptions): Promise<boolean> {
  for await (const _ of walkFolder(root, options)) return true;
  return false;
}

function plural(count: number, one: string, many: string, hint: string): string {
  if (count === 0) return "";
  return `${count} ${count === 1 ? one : many}${hint ? ` (${hint})` : ""}`;
}
