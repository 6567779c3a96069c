import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { closedPort } from "../helpers/ports.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, type CliResult } from "../helpers/cli.js";

/** A TLS server with a self-signed certificate (made with openssl) that answers nothing after the handshake. */
async function startTlsServer(): Promise<{ server: TlsServer; port: number; cert: string }> {
  const dir = mkdtempSync(join(tmpdir(), "cu-tls-"));
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(cert), ALPNProtocols: ["h2"] }, (socket) => socket.on("error", () => undefined));
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, cert };
}

const media = join(FIXTURES, "media");
const login = ["--pat", "some-pat-123", "--user", "u", "--app", "a"];

async function timed(args: string[], env = isolatedEnv()): Promise<CliResult & { ms: number }> {
  const started = Date.now();
  const result = await runCli(args, env);
  return { ...result, ms: Date.now() - started };
}

/** Nothing meant for the tool's authors reaches the user. */
function expectNoNoise(result: CliResult): void {
  const text = result.stdout + result.stderr;
  expect(text).not.toMatch(/Resolution note|No connection established|SSL routines|DeprecationWarning|DEP0123|\(node:\d+\)|\n\s+at /);
}

describe("connection problems fail fast with one line that says what to check", { timeout: 60_000 }, () => {
  let app: TestApp;
  let tls: Awaited<ReturnType<typeof startTlsServer>>;
  beforeAll(async () => {
    app = await startTestApp();
    tls = await startTlsServer();
  });
  afterAll(async () => {
    await app.close();
    tls.server.close();
  });

  it("a refused address: exit 4 within seconds, naming the address", async () => {
    const port = await closedPort();
    const result = await timed(["folder", media, "--api", `http://127.0.0.1:${port}`, ...login]);
    expect(result.code).toBe(4);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stderr).toContain(`nothing is listening at 127.0.0.1:${port} (connection refused): check the host and port of --api`);
    expect(result.stderr.match(/nothing is listening/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^! failed/m);
    expectNoNoise(result);
  });

  it("a host name that does not resolve: exit 4 within seconds", async () => {
    const result = await timed(["folder", media, "--api", "http://no-such-host.invalid:50051", "--insecure", ...login]);
    expect(result.code).toBe(4);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stderr).toContain("cannot resolve the host name no-such-host.invalid");
    expectNoNoise(result);
  });

  it("TLS to a plaintext server says to use http://", async () => {
    const result = await timed(["folder", media, "--api", `https://${app.server.address}`, ...login]);
    expect(result.code).toBe(4);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stderr).toContain(`${app.server.address} does not speak TLS: for a plaintext server use --api http://${app.server.address}`);
    expectNoNoise(result);
  });

  it("plaintext to a TLS server says to use https://", async () => {
    const result = await timed(["folder", media, "--api", `http://127.0.0.1:${tls.port}`, ...login]);
    expect(result.code).toBe(4);
    expect(result.ms).toBeLessThan(20_000);
    expect(result.stderr).toContain(`127.0.0.1:${tls.port} speaks TLS: use --api https://127.0.0.1:${tls.port}`);
    expectNoNoise(result);
  });

  it("a plaintext port that answers HTTP/1 (a web server) is reported at once as no gRPC server, not retried", async () => {
    const web = createHttpServer((_request, response) => response.end("hello"));
    await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
    try {
      const port = (web.address() as AddressInfo).port;
      const result = await timed(["folder", media, "--api", `http://127.0.0.1:${port}`, ...login]);
      expect(result.code).toBe(4);
      expect(result.ms).toBeLessThan(20_000);
      expect(result.stderr).toContain(`127.0.0.1:${port} answers, but not as a gRPC server (it does not speak HTTP/2): check the host and port of --api`);
      expectNoNoise(result);
    } finally {
      web.close();
    }
  });

  it("an untrusted certificate is reported at once, not retried, pointing at CLARIFAI_ROOT_CERTIFICATES_PATH", async () => {
    for (const host of ["127.0.0.1", "localhost"]) {
      const result = await timed(["folder", media, "--json", "--api", `https://${host}:${tls.port}`, ...login]);
      expect(result.code).toBe(4);
      expect(result.ms).toBeLessThan(20_000);
      expect(result.stderr + result.stdout).toContain(`the TLS certificate of ${host}:${tls.port} is not trusted (self-signed certificate)`);
      expect(result.stderr + result.stdout).toContain("set CLARIFAI_ROOT_CERTIFICATES_PATH to its PEM file");
      expect(jsonLines(result.stdout).filter((line) => line.event === "retry")).toEqual([]);
      expectNoNoise(result);
    }
  });

  it("--api without a scheme is a usage error showing both forms", async () => {
    const result = await timed(["folder", media, "--api", "127.0.0.1:50051", ...login]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("clarifai-upload: API base 127.0.0.1:50051: say which protocol: https://127.0.0.1:50051 (TLS) or http://127.0.0.1:50051 (plaintext, e.g. a local server)");
  });
});
