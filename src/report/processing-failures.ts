import { namesFile } from "./format.js";

/**
 * The inputs that failed processing, listed by file and reason at the end of a --wait
 * run: up to `limit` of them, then how many more and where to see them all.
 */
export function listProcessingFailures(failures: ReadonlyArray<{ source: string; message: string }>, limit: number, statusCommand: string): string[] {
  const lines = [`${failures.length} input${failures.length === 1 ? "" : "s"} failed processing:`];
  for (const failure of failures.slice(0, limit)) lines.push(`  ! ${namesFile(failure.message, failure.source)}`);
  if (failures.length > limit) lines.push(`  ... and ${failures.length - limit} more, see: ${statusCommand}`);
  return lines;
}
