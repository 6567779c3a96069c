import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Points `TMPDIR` at a folder of this run's own, so that every temporary folder the tests
 * make (and the CLI processes and servers they start) lands in it, and removes it when the
 * run ends: a test run leaves nothing behind in the system's temporary folder.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), "clarifai-upload-tests-"));
  process.env.TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
