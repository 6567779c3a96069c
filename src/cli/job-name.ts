import { basename } from "node:path";
import { shortHash } from "../plan/ids.js";

/**
 * The job a command line belongs to: the same command, source and target give the same
 * name, so the same cron line continues the same job.
 */
export function deriveJobName(
  command: string,
  sources: readonly string[],
  target: { api: string; user: string; app: string; dataset?: string },
  ids: { from: string; prefix: string },
  shard?: string,
  labels: { annotations?: string; sidecars?: boolean } = {},
): string {
  // What names the inputs is part of the job: another id scheme makes other inputs.
  const parts: unknown[] = [command, sources, target.api, target.user, target.app, target.dataset ?? "", shard ?? "", ids.from === "path" ? "" : ids.from, ids.prefix];
  // So is where their regions come from: a job's log settles an input whose regions were
  // stored, and another annotation file's regions would never be posted.
  if (labels.annotations !== undefined || labels.sidecars) parts.push(labels.annotations ?? "", labels.sidecars ?? false);
  const key = JSON.stringify(parts);
  const label = sources.length === 1 ? basename(sources[0]) || "root" : sources.length === 0 ? "stdin" : `${sources.length}-sources`;
  const slug = label.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 40);
  return `${command}-${slug}-${shortHash(key)}`;
}
