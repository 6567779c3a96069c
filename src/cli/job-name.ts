import { basename } from "node:path";
import { shortHash } from "../plan/ids.js";

/**
 * The job a command line belongs to: the same command, source and target give the same
 * name, so the same cron line continues the same job.
 */
export function deriveJobName(command: string, sources: readonly string[], target: { api: string; user: string; app: string; dataset?: string }, shard?: string): string {
  const key = JSON.stringify([command, sources, target.api, target.user, target.app, target.dataset ?? "", shard ?? ""]);
  const label = sources.length === 1 ? basename(sources[0]) || "root" : sources.length === 0 ? "stdin" : `${sources.length}-sources`;
  const slug = label.replace(/[^A-Za-z0-9_-]+/g, "_").slice(0, 40);
  return `${command}-${slug}-${shortHash(key)}`;
}
