import type { Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { isAbsolute, resolve } from "node:path";
import { codeOf } from "../errors.js";
import { RowProblem } from "./manifest-fields.js";

/** A folder a row's relative file path may be relative to, and how to name it in messages. */
export interface PathBase {
  readonly dir: string;
  readonly what: string;
}

/**
 * The file a row names: an absolute path as it is; a relative one tried against each base
 * in order, the first that holds a regular file winning. When two bases both hold one and
 * they are different files, the row is ambiguous and rejected (`ambiguous_file`) naming
 * both; when none does, `missing_file` names every path tried. `base` is the folder it
 * was found from (the first base for an absolute path).
 */
export async function locateRowFile(file: string, bases: readonly PathBase[]): Promise<{ absolute: string; stats: Stats; base: string }> {
  const tries = isAbsolute(file) ? [{ dir: "", what: "" }] : bases;
  const found: Array<{ absolute: string; stats: Stats; what: string; base: string }> = [];
  const missing: string[] = [];
  for (const base of tries) {
    const absolute = resolve(base.dir, file);
    if (found.some((hit) => hit.absolute === absolute)) continue;
    let stats: Stats;
    try {
      stats = await stat(absolute);
    } catch (error) {
      missing.push(`${absolute}${base.what ? ` (${base.what})` : ""}: ${codeOf(error)}`);
      continue;
    }
    if (!stats.isFile()) missing.push(`${absolute}${base.what ? ` (${base.what})` : ""}: not a regular file`);
    else found.push({ absolute, stats, what: base.what, base: base.dir || (bases[0]?.dir ?? "") });
  }
  const [first, ...others] = found;
  if (!first) throw new RowProblem("missing_file", `file ${file}: ${missing.join("; ")}`);
  const other = others.find((hit) => hit.stats.ino !== first.stats.ino || hit.stats.dev !== first.stats.dev);
  if (other) {
    throw new RowProblem(
      "ambiguous_file",
      `file ${file} is two different files: ${first.absolute} (${first.what}) and ${other.absolute} (${other.what}); give an absolute path, or run from the folder the paths are relative to`,
    );
  }
  return first;
}
