import type { Command } from "commander";

/** Options every command understands, before or after the command name. */
export interface GlobalOptions {
  api?: string;
  pat?: string;
  user?: string;
  app?: string;
  context?: string;
  insecure?: boolean;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function addGlobalOptions(command: Command): Command {
  return addOutputOptions(addConnectionOptions(command));
}

/** Where to send and as whom: for commands that talk to the API. */
export function addConnectionOptions(command: Command): Command {
  return command
    .option("--api <url>", "API base: https://host[:port] (TLS) or http://host:port (plaintext, loopback only unless --insecure) [env CLARIFAI_API_BASE]")
    .option("--pat <token>", "personal access token [env CLARIFAI_PAT]")
    .option("--user <id>", "user id [env CLARIFAI_USER_ID]")
    .option("--app <id>", "app id [env CLARIFAI_APP_ID]")
    .option("--context <name>", "context of the Clarifai CLI config file (~/.config/clarifai/config, or $XDG_CONFIG_HOME/clarifai/config) to use")
    .option("--insecure", "allow plaintext http:// to a non-loopback host");
}

/** How to report: for every command. */
export function addOutputOptions(command: Command): Command {
  return command
    .option("--json", "JSON on stdout, one object per line (an upload: one per input, then a summary line)")
    .option("-q, --quiet", "no progress output: problems and errors only")
    .option("-v, --verbose", "more detail: every retry, timings, the API's request ids");
}
