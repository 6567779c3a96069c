import type { Dirent } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ExtractionSource } from "./source.js";

/** One object of a source: its key (what its input id is derived from) and where its bytes are. */
export interface SourceObject {
  key: string;
  path: string;
}

/** The source cannot be read at all (a missing bucket or folder): the job fails. */
export class SourceError extends Error {}

/**
 * The objects of a source in a stable order (names sorted at every level,
 * depth first), so that a job interrupted after N objects resumes at object N.
 * Folder sources are read as a prefix filter (see source.ts); symbolic links
 * are followed, a folder already visited is not entered again.
 */
export async function* walkSource(source: ExtractionSource, uploadsRoot: string): AsyncGenerator<SourceObject> {
  if (source.kind === "upload") {
    yield { key: source.key, path: join(uploadsRoot, source.dir, "content") };
    return;
  }
  if (!(await isDirectory(source.requiredDir))) throw new SourceError(`${source.requiredWhat} does not exist`);
  if (!(await isDirectory(source.dir))) return;
  const visited = new Set<string>([await realpath(source.dir)]);
  const top = (await sortedEntries(source.dir)).filter((e) => e.name.startsWith(source.prefix));
  yield* walkEntries(source.dir, top, source.keyPrefix, visited);
}

async function* walkEntries(
  dir: string,
  entries: readonly Dirent[],
  keyPrefix: string,
  visited: Set<string>,
): AsyncGenerator<SourceObject> {
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const key = keyPrefix + entry.name;
    const kind = await entryKind(entry, path);
    if (kind === "file") {
      yield { key, path };
    } else if (kind === "dir") {
      const real = await realpath(path);
      if (visited.has(real)) continue;
      visited.add(real);
      yield* walkEntries(path, await sortedEntries(path), `${key}/`, visited);
    }
  }
}

async function sortedEntries(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function entryKind(entry: Dirent, path: string): Promise<"file" | "dir" | "other"> {
  if (entry.isFile()) return "file";
  if (entry.isDirectory()) return "dir";
  if (!entry.isSymbolicLink()) return "other";
  try {
    const target = await stat(path);
    return target.isFile() ? "file" : target.isDirectory() ? "dir" : "other";
  } catch {
    return "other";
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
