import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { connect, type AddressInfo, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";

/** Two sockets joined both ways: what one reads the other writes, and when one closes so does the other. */
function pipeBothWays(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  for (const [one, other] of [[a, b], [b, a]] as const) {
    one.on("error", () => other.destroy());
    one.on("close", () => other.destroy());
  }
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Closes `server` and ends the connections it holds (they would keep it open). */
function closer(server: Server): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
}

export interface TlsFront {
  /** Where clients connect over TLS (HTTP/2 by ALPN). */
  port: number;
  /** The PEM of its self-signed certificate (for 127.0.0.1 and localhost), for CLARIFAI_ROOT_CERTIFICATES_PATH. */
  certificatePath: string;
  close(): Promise<void>;
}

/**
 * TLS in front of a plaintext server at `target` ("host:port"): it ends TLS with a
 * self-signed certificate (made with openssl) and passes the bytes on, so a gRPC client
 * speaks TLS to the local server as it would to the platform.
 */
export async function startTlsFront(target: string): Promise<TlsFront> {
  const dir = mkdtempSync(join(tmpdir(), "cu-tls-front-"));
  const key = join(dir, "key.pem");
  const certificatePath = join(dir, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificatePath, "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], { stdio: "ignore" });
  const [host, port] = splitTarget(target);
  const server = createTlsServer({ key: readFileSync(key), cert: readFileSync(certificatePath), ALPNProtocols: ["h2"] }, (socket) => pipeBothWays(socket, connect(port, host)));
  server.on("tlsClientError", () => undefined);
  const close = closer(server);
  return { port: await listen(server), certificatePath, close };
}

export interface ConnectProxy {
  port: number;
  /** The targets of the CONNECT requests it served, in order. */
  connects: string[];
  close(): Promise<void>;
}

/** An HTTP proxy that serves CONNECT only, as `grpc_proxy` and `https_proxy` name one. */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const connects: string[] = [];
  const server = createHttpServer((_request, response) => response.writeHead(405).end());
  const close = closer(server);
  server.on("connect", (request, socket: Socket, head: Buffer) => {
    const target = request.url ?? "";
    connects.push(target);
    const [host, port] = splitTarget(target);
    const upstream = connect(port, host, () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
    });
    pipeBothWays(socket, upstream);
  });
  return { port: await listen(server), connects, close };
}

function splitTarget(target: string): [string, number] {
  const colon = target.lastIndexOf(":");
  return [target.slice(0, colon), Number(target.slice(colon + 1))];
}
