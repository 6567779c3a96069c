import { createServer, type ServerHttp2Session, type Settings } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClarifaiClient } from "../../../src/api/client.js";
import { waitFor } from "../../helpers/server.js";

describe("ClarifaiClient: HTTP/2 flow control", () => {
  const server = createServer();
  let connected: Promise<{ session: ServerHttp2Session; settings: Settings }>;
  let client: ClarifaiClient;
  beforeAll(async () => {
    connected = new Promise((resolve) => {
      server.once("session", (session) => session.once("remoteSettings", (settings) => resolve({ session, settings })));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // The client connects as soon as it is made.
    client = new ClarifaiClient({ settings: { apiBase: `http://127.0.0.1:${port}`, pat: "x", userId: "u", appId: "a", insecure: false } });
  });
  afterAll(async () => {
    client.close();
    (await connected).session.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it("lets the server send 16 MiB of answers ahead, per stream and per connection, not Node's default 64 KiB", async () => {
    const { session, settings } = await connected;
    expect(settings.initialWindowSize).toBe(16 * 1024 * 1024);
    // The connection's window grows by a WINDOW_UPDATE that follows the settings.
    const window = await waitFor(async () => session.state.remoteWindowSize ?? 0, (size) => size === 16 * 1024 * 1024, 2000);
    expect(window).toBe(16 * 1024 * 1024);
  });
});
