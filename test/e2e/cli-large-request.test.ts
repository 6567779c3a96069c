import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IN_PLACE_MIN_BYTES } from "../../src/api/frame-in-place.js";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { isolatedEnv, runCli, summaryOf } from "../helpers/cli.js";
import { largeMp4 } from "../helpers/large-video.js";
import { startConnectProxy, startTlsFront, type ConnectProxy, type TlsFront } from "../helpers/tls-front.js";

/**
 * A request large enough to be framed where it lies (see frame-in-place.ts) arrives
 * whole, over every way the client reaches the platform: plaintext, TLS with the root
 * certificate given by CLARIFAI_ROOT_CERTIFICATES_PATH, and TLS through an HTTP proxy.
 */
describe("a large request over plaintext, TLS and a proxy", { timeout: 60_000 }, () => {
  let app: TestApp;
  let front: TlsFront;
  let proxy: ConnectProxy;
  const folder = mkdtempSync(join(tmpdir(), "cu-large-"));
  const video = largeMp4(3 * IN_PLACE_MIN_BYTES + 12_345);
  writeFileSync(join(folder, "clip.mp4"), video);

  beforeAll(async () => {
    app = await startTestApp();
    front = await startTlsFront(app.server.address);
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy.close();
    await front.close();
    await app.close();
  });

  /** Uploads the folder into its own dataset and checks what the server stored, byte for byte. */
  async function uploadAndCheck(api: string, dataset: string, env: NodeJS.ProcessEnv): Promise<void> {
    const result = await runCli(["folder", folder, "--json", "--dataset", dataset, "--api", api, "--pat", "test-pat", "--user", app.user, "--app", app.app, "--id-prefix", `${dataset}-`], env);
    expect(result.stderr).toBe("");
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 1, failed: 0, bytes: video.length });
    expect(result.code).toBe(0);
    const [input] = (await listAllInputs(app.client)).filter((found) => found.datasetIds.includes(dataset));
    const stored = await app.client.call("getInput", { inputId: input?.id ?? "" });
    expect(Buffer.from(stored.input?.data?.video?.base64 ?? []).equals(video)).toBe(true);
  }

  it("plaintext", async () => {
    await uploadAndCheck(`http://${app.server.address}`, "plain", isolatedEnv());
  });

  it("TLS, trusting the server's certificate through CLARIFAI_ROOT_CERTIFICATES_PATH", async () => {
    await uploadAndCheck(`https://localhost:${front.port}`, "tls", isolatedEnv({ CLARIFAI_ROOT_CERTIFICATES_PATH: front.certificatePath }));
  });

  it("TLS through the HTTP proxy that grpc_proxy names", async () => {
    const env = isolatedEnv({ CLARIFAI_ROOT_CERTIFICATES_PATH: front.certificatePath, grpc_proxy: `http://127.0.0.1:${proxy.port}` });
    await uploadAndCheck(`https://localhost:${front.port}`, "proxied", env);
    expect(proxy.connects).toContain(`localhost:${front.port}`);
  });
});
