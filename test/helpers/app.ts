import { afterAll, beforeAll } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClarifaiClient } from "../../src/api/client.js";
import type { Input } from "../../src/gen/clarifai/api/resources.js";
import { startServer, type FaultOptions, type RunningServer } from "../../src/server/server.js";

export interface TestApp {
  server: RunningServer;
  client: ClarifaiClient;
  /** CLI flags that point at this server and app. */
  flags: string[];
  user: string;
  app: string;
  close(): Promise<void>;
}

let appCounter = 0;

/** A real server on an ephemeral loopback port, and a client of one fresh app on it. */
export async function startTestApp(options: { faults?: FaultOptions; pats?: string[]; pat?: string; dataDir?: string; s3Root?: string; processingDelayMs?: number } = {}): Promise<TestApp> {
  const server = await startServer({
    dataDir: options.dataDir ?? mkdtempSync(join(tmpdir(), "cu-server-")),
    port: 0,
    faults: options.faults,
    pats: options.pats,
    s3Root: options.s3Root,
    ...(options.processingDelayMs === undefined ? {} : { processingDelayMs: options.processingDelayMs }),
  });
  const user = "tester";
  const app = `app${++appCounter}`;
  const pat = options.pat ?? options.pats?.[0] ?? "test-pat";
  const client = new ClarifaiClient({ settings: { apiBase: `http://${server.address}`, pat, userId: user, appId: app, insecure: false } });
  return {
    server,
    client,
    user,
    app,
    flags: ["--api", `http://${server.address}`, "--pat", pat, "--user", user, "--app", app],
    async close() {
      client.close();
      await server.close();
    },
  };
}

/** Every input stored in the app, through ListInputs pages. */
export async function listAllInputs(client: ClarifaiClient): Promise<Input[]> {
  const all: Input[] = [];
  for (let page = 1; ; page++) {
    const answer = await client.call("listInputs", { page, perPage: 500, ids: [], status: undefined });
    all.push(...answer.inputs);
    if (answer.inputs.length < 500) return all;
  }
}

/**
 * A test app for the enclosing `describe`: started before its tests, closed after them.
 * The returned function gives the app (only inside tests and hooks).
 */
export function useTestApp(): () => TestApp {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error("the test app is not started yet");
    return app;
  };
}
