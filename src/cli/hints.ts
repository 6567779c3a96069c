import type { GlobalOptions } from "./global-options.js";

/**
 * A command to print as a hint (`resume with: …`), so that it works as printed: the job
 * is named by its log's path when the log is not in the default place, a PAT given
 * with --pat (never stored) has to be given again, and a job that read its list from
 * stdin is continued by running the same pipeline again (`resume` cannot read it).
 */
export function hintCommand(verb: "resume" | "status", jobRef: string, global: GlobalOptions, local: unknown, readStdin = false): string {
  if (verb === "resume" && readStdin) return "the same command line again, with the same input (a list read from stdin cannot be resumed by name)";
  const quoted = /^[A-Za-z0-9_./-]+$/.test(jobRef) ? jobRef : `'${jobRef.replace(/'/g, "'\\''")}'`;
  const pat = global.pat !== undefined && local === undefined ? " --pat YOUR_PAT (the PAT is never stored; or set CLARIFAI_PAT)" : "";
  return `clarifai-upload ${verb} ${quoted}${pat}`;
}
