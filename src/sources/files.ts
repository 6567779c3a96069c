import { stat } from "node:fs/promises";
import { relative, resolve, sep } from "node:path";
import { readProblem } from "../errors.js";
import type { Candidate } from "./candidate.js";
import { fileByteSource, fileFingerprint } from "./file-bytes.js";

/** Something a list of paths named that is not a file to upload. */
export interface UnreadablePath {
  readonly source: string;
  readonly message: string;
}

/**
 * Turns paths (from arguments or stdin) into candidates. Ids derive from the path
 * relative to the current directory when it lies below it, else from the absolute path.
 */
export async function* listFiles(
  paths: AsyncIterable<string> | Iterable<string>,
  onUnreadable: (problem: UnreadablePath) => void,
  cwd = process.cwd(),
): AsyncGenerator<Candidate> {
  for await (const path of paths) {
    const absolute = resolve(cwd, path);
    let size: number;
    let mtimeMs: number;
    try {
      const stats = await stat(absolute);
      if (!stats.isFile()) {
        onUnreadable({ source: absolute, message: `${path}: not a regular file` });
        continue;
      }
      size = stats.size;
      mtimeMs = stats.mtimeMs;
    } catch (error) {
      onUnreadable({ source: absolute, message: `${absolute}: ${readProblem(error)}` });
      continue;
    }
    const rel = relative(cwd, absolute);
    const relPath = rel.startsWith("..") || rel === "" ? absolute : rel;
    yield {
      source: absolute,
      relPath: relPath.split(sep).join("/"),
      content: { kind: "bytes", bytes: fileByteSource(absolute, size) },
      fingerprint: fileFingerprint(size, mtimeMs),
    };
  }
}
