import { readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * Files under `dir` whose name passes `accept`, as paths relative to `dir` with "/"
 * separators, sorted. Hidden files and folders (a leading ".") are skipped; symbolic
 * links are not followed.
 */
export async function listFiles(dir: string, accept: (name: string) => boolean): Promise<string[]> {
  const found: string[] = [];
  const visit = async (relDir: string): Promise<void> => {
    const entries = await readdir(join(dir, relDir), { withFileTypes: true });
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      const rel = relDir === "" ? entry.name : `${relDir}/${entry.name}`;
      if (entry.isDirectory()) await visit(rel);
      else if (entry.isFile() && accept(entry.name)) found.push(rel);
    }
  };
  await visit("");
  return found.sort();
}

/** The lower-case extension of a file name, without the dot ("" when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot + 1).toLowerCase();
}
