import { createServer, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { checkConnection, cleanTransportMessage } from "../../../src/api/connection-check.js";
import { parseEndpoint } from "../../../src/api/endpoint.js";
import { ClarifaiClient } from "../../../src/api/client.js";
import { UploadError } from "../../../src/errors.js";

describe("transport messages", () => {
  it("lose what only grpc-js and OpenSSL authors can read", () => {
    expect(cleanTransportMessage("No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:9. Resolution note: ")).toBe("connect ECONNREFUSED 127.0.0.1:9");
    expect(
      cleanTransportMessage("No connection established. Last error: Error: 80EC0232FC7E0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: "),
    ).toBe("TLS error: wrong version number");
    expect(cleanTransportMessage("service unavailable (injected by --fault-unavailable)")).toBe("service unavailable (injected by --fault-unavailable)");
  });
});

describe("checkConnection", () => {
  it("finds nothing wrong with a plaintext address that answers", async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await checkConnection(parseEndpoint(`http://127.0.0.1:${port}`), { graceMs: 0 })).toBeUndefined();
    } finally {
      server.close();
    }
  });

  it("names a refused address once its few seconds of grace are over", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const started = Date.now();
    const problem = await checkConnection(parseEndpoint(`http://127.0.0.1:${port}`), { graceMs: 600 });
    expect(problem).toBe(`nothing is listening at 127.0.0.1:${port} (connection refused): check the host and port of --api (or CLARIFAI_API_BASE), and that the server is running`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  });
});

describe("a server that takes the connection and never answers", () => {
  it("ends the first call at its deadline as unreachable, not as a failure to try again", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const client = new ClarifaiClient({ settings: { apiBase: `http://127.0.0.1:${port}`, pat: "p", userId: "u", appId: "a", insecure: false }, deadlineMs: 300 });
    try {
      const failure = await client.call("listInputs", { page: 1, perPage: 1, ids: [] }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(UploadError);
      expect((failure as UploadError).code).toBe("unreachable");
      expect((failure as UploadError).message).toBe(`cannot reach the API: 127.0.0.1:${port} took the connection but did not answer as a gRPC server (HTTP/2) before the call's deadline: check the host and port of --api`);
    } finally {
      client.close();
      silent.close();
    }
  });
});
