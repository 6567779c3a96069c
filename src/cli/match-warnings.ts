import type { Candidate, SourceReport } from "../sources/candidate.js";
import { walkFolder, type FolderOptions } from "../sources/folder.js";

/**
 * Passes a folder's files through and, once the walk is over, says when something the
 * user asked for found nothing: an empty folder, an --include that matched no file (with
 * a hint when matching regardless of case would have found some: globs are
 * case-sensitive, so `*.JPG` misses `a.jpg`), an --exclude that left nothing out.
 */
export async function* warnWhenNothingMatched(files: AsyncIterable<Candidate>, root: string, options: FolderOptions, report: SourceReport): AsyncGenerator<Candidate> {
  let found = 0;
  for await (const candidate of files) {
    found++;
    yield candidate;
  }
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

async function anyFile(root: string, options: FolderOptions): Promise<boolean> {
  for await (const _ of walkFolder(root, options)) return true;
  return false;
}
