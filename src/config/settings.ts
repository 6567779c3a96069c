import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { codeOf, UsageError } from "../errors.js";

/** Where to send requests and as whom. Resolved once: flags > environment > config file > defaults. */
export interface Settings {
  apiBase: string;
  /** Never printed; `describeSettings` masks it. */
  pat?: string;
  userId?: string;
  appId?: string;
  rootCertificatesPath?: string;
  insecure: boolean;
}

export interface SettingsFlags {
  api?: string;
  pat?: string;
  user?: string;
  app?: string;
  context?: string;
  insecure?: boolean;
  configFile?: string;
}

export const DEFAULT_API_BASE = "https://api.clarifai.com";

/** The variables this tool reads, as the official SDKs name them. */
const ENV_KEYS = ["CLARIFAI_API_BASE", "CLARIFAI_PAT", "CLARIFAI_USER_ID", "CLARIFAI_APP_ID", "CLARIFAI_ROOT_CERTIFICATES_PATH"] as const;
type EnvKey = (typeof ENV_KEYS)[number];
type EnvValues = Partial<Record<EnvKey, string>>;

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "clarifai", "config");
}

export function resolveSettings(flags: SettingsFlags, env: NodeJS.ProcessEnv = process.env): Settings {
  const { values: file, problem } = readConfigContext(flags.configFile ?? defaultConfigFile(env), flags.context);
  const pick = (flag: string | undefined, key: EnvKey): string | undefined =>
    nonEmpty(flag) ?? nonEmpty(env[key]) ?? nonEmpty(file[key]);
  // A current_context that names no context matters only when the run needs what it would give.
  const needed = (flag: string | undefined, key: EnvKey): string | undefined => {
    const value = pick(flag, key);
    if (value === undefined && problem) throw new UsageError(problem);
    return value;
  };
  return {
    apiBase: pick(flags.api, "CLARIFAI_API_BASE") ?? DEFAULT_API_BASE,
    pat: checkedPat(needed(flags.pat, "CLARIFAI_PAT")),
    userId: needed(flags.user, "CLARIFAI_USER_ID"),
    appId: needed(flags.app, "CLARIFAI_APP_ID"),
    rootCertificatesPath: pick(undefined, "CLARIFAI_ROOT_CERTIFICATES_PATH"),
    insecure: flags.insecure ?? false,
  };
}

/**
 * A token is printable ASCII: anything else (a control character or a letter pasted in
 * from elsewhere) cannot go in a request header. Refused here, in words that never show it.
 */
function checkedPat(pat: string | undefined): string | undefined {
  if (pat !== undefined && !/^[\x21-\x7e]+$/.test(pat)) {
    throw new UsageError("the personal access token holds a character no token has (a control character, a space or a non-ASCII letter): check how it was pasted into --pat, CLARIFAI_PAT or the config file");
  }
  return pat;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

/**
 * Reads one context of the official CLI's config file. Both layouts it has used are
 * understood: `contexts.NAME.CLARIFAI_PAT` and `contexts.NAME.env.CLARIFAI_PAT`
 * (plus `user_id`, `base_url`, `pat` keys). A missing file is no context at all;
 * a named context that does not exist is a usage error.
 */
export function readConfigContext(path: string, contextName: string | undefined): { values: EnvValues; problem?: string } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = codeOf(error);
    // A config file that is there but cannot be read would otherwise pass for no PAT at all.
    if (code !== "ENOENT" && code !== "ENOTDIR") throw new UsageError(`${path}: cannot read the config file (${code})`);
    if (contextName) throw new UsageError(`--context ${contextName}: no config file at ${path}`);
    return { values: {} };
  }
  let doc: unknown;
  try {
    // Loaded only when there is a config file to read.
    const { parse } = createRequire(import.meta.url)("yaml") as typeof import("yaml");
    doc = parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
  const root = asRecord(doc);
  const contexts = asRecord(root.contexts);
  const name = contextName ?? (typeof root.current_context === "string" ? root.current_context : undefined);
  if (!name) return { values: {} };
  const context = contexts[name];
  if (context === undefined) {
    const have = `(have: ${Object.keys(contexts).join(", ") || "none"})`;
    if (contextName) throw new UsageError(`--context ${contextName}: no such context in ${path} ${have}`);
    return { values: {}, problem: `${path}: current_context ${name} names no context in it ${have}; give --context NAME, or the settings on the command line` };
  }
  const flat = asRecord(context);
  const nested = asRecord(flat.env);
  const values: EnvValues = {};
  for (const key of ENV_KEYS) {
    const value = nested[key] ?? flat[key];
    if (typeof value === "string") values[key] = value;
  }
  const aliases: Array<[string, EnvKey]> = [["user_id", "CLARIFAI_USER_ID"], ["app_id", "CLARIFAI_APP_ID"], ["base_url", "CLARIFAI_API_BASE"], ["pat", "CLARIFAI_PAT"]];
  for (const [alias, key] of aliases) {
    const value = flat[alias];
    if (values[key] === undefined && typeof value === "string") values[key] = value;
  }
  return { values };
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
