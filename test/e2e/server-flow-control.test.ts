import { connect, type ClientHttp2Session } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RECEIVE_WINDOW_BYTES } from "../../src/server/server.js";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.js";

describe("local server: HTTP/2 flow control", () => {
  let t: TestServer;
  let session: ClientHttp2Session;
  let settings: Promise<{ initialWindowSize?: number }>;
  beforeAll(async () => {
    t = await startTestServer();
    session = connect(`http://${t.address}`);
    settings = new Promise((resolve) => session.once("remoteSettings", resolve));
  });
  afterAll(async () => {
    session.close();
    await t.stop();
  });

  it("lets a client send 16 MiB ahead, per stream and per connection, not Node's default 64 KiB", async () => {
    expect((await settings).initialWindowSize).toBe(RECEIVE_WINDOW_BYTES);
    // The connection's window grows by a WINDOW_UPDATE that follows the settings.
    const window = await waitFor(async () => session.state.remoteWindowSize ?? 0, (size) => size === RECEIVE_WINDOW_BYTES, 2000);
    expect(window).toBe(16 * 1024 * 1024);
  });
});
