import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A file only this process can reach: open for reading and writing, its name already gone where the system allows. */
export interface TemporaryFile {
  readonly fd: number;
  /** Its folder, removed at once where the system allows it, otherwise by `closeTemporaryFile`. */
  readonly folder: string;
}

/**
 * Makes a temporary file in `$TMPDIR` and removes its folder while it is open, so that a
 * process killed midway leaves nothing behind.
 */
export function openTemporaryFile(name: string): TemporaryFile {
  const folder = mkdtempSync(join(tmpdir(), "clarifai-upload-"));
  const fd = openSync(join(folder, name), "w+", 0o600);
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch {
    // Removed at close instead.
  }
  return { fd, folder };
}

export function closeTemporaryFile(file: TemporaryFile): void {
  closeSync(file.fd);
  rmSync(file.folder, { recursive: true, force: true });
}
