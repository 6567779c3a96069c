import { homedir } from "node:os";
import { join } from "node:path";
import { ClarifaiClient } from "../api/client.js";
import { resolveSettings, type Settings } from "../config/settings.js";
import { UploadError, UsageError } from "../errors.js";
import type { RunningServer } from "../server/server.js";
import type { JobConnection } from "../jobs/upload-job.js";
import type { GlobalOptions } from "./global-options.js";

export const LOCAL_USER = "local";
export const LOCAL_APP = "default";

export interface Connection {
  client: ClarifaiClient;
  settings: Settings;
  /** Set when the run talks to an embedded local server, which `close` stops. */
  local?: RunningServer;
  close(): Promise<void>;
}

export function defaultLocalDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share");
  return join(data, "clarifai-upload", "local");
}

/** Settings for a run, before any connection: what `--dry-run` and job names need. */
export function settingsFor(global: GlobalOptions, local: string | true | undefined): Settings {
  if (local !== undefined) {
    return { apiBase: "http://127.0.0.1:0", pat: undefined, userId: global.user ?? LOCAL_USER, appId: global.app ?? LOCAL_APP, insecure: false };
  }
  return resolveSettings({ api: global.api, pat: global.pat, user: global.user, app: global.app, context: global.context, insecure: global.insecure });
}

/** How a job opens its connection (see JobIo.connect): the client, how to close it, and the embedded server's address. */
export function jobConnector(global: GlobalOptions, local: string | true | undefined): () => Promise<JobConnection> {
  return async () => {
    const connection = await connect(global, local);
    return { client: connection.client, close: () => connection.close(), localAddress: connection.local?.address };
  };
}

/** Opens the connection a command asked for: the embedded server with --local, else the configured API. */
export async function connect(global: GlobalOptions, local: string | true | undefined): Promise<Connection> {
  const settings = settingsFor(global, local);
  if (local !== undefined) {
    // Loaded only here: the server (SQLite and all) costs start-up time a remote run does not need.
    const { startServer } = await import("../server/server.js");
    const server = await startServer({ dataDir: local === true ? defaultLocalDataDir() : local, port: 0 });
    const localSettings: Settings = { ...settings, apiBase: `http://${server.address}`, pat: "local" };
    const client = new ClarifaiClient({ settings: localSettings });
    return {
      client,
      settings: localSettings,
      local: server,
      async close() {
        client.close();
        await server.close();
      },
    };
  }
  if (!settings.pat) throw new UploadError("auth", "no personal access token: pass --pat, set CLARIFAI_PAT, or log in with the Clarifai CLI (its config file is read)");
  if (!settings.userId) throw new UsageError("no user id: pass --user or set CLARIFAI_USER_ID");
  if (!settings.appId) throw new UsageError("no app id: pass --app or set CLARIFAI_APP_ID");
  const client = new ClarifaiClient({ settings });
  return {
    client,
    settings,
    async close() {
      client.close();
    },
  };
}
