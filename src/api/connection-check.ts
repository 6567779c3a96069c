import { connect as h2Connect } from "node:http2";
import { connect as tcpConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { setTimeout as sleep } from "node:timers/promises";
import type { Endpoint } from "./endpoint.js";

/**
 * Why a connection cannot be made, in words a person can act on. grpc-js says only "No
 * connection established" with a low-level cause (an OpenSSL line, "Failed to connect")
 * and retries for ever; this looks at the address itself, once, when a call could not
 * connect: is anything listening, does the host resolve, does the server speak TLS when
 * we do (and the reverse), is its certificate trusted.
 */
export interface ConnectionCheckOptions {
  rootCertificates?: Buffer;
  /** How long a refused or unresolvable address is tried again before it is reported. */
  graceMs?: number;
  /** Bound on each probe. */
  probeTimeoutMs?: number;
}

type Probe = { ok: true; socket: Socket } | { ok: false; code: string; message: string };

const CERTIFICATE_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

const SCHEME_HINT = "--api (or CLARIFAI_API_BASE)";

/** A sentence that names the address and what to check, or undefined when the address answers as it should. */
export async function checkConnection(endpoint: Endpoint, options: ConnectionCheckOptions = {}): Promise<string | undefined> {
  const graceMs = options.graceMs ?? 3000;
  const timeoutMs = options.probeTimeoutMs ?? 5000;
  const deadline = Date.now() + graceMs;
  let tcp = await probeTcp(endpoint, timeoutMs);
  // A server that is starting, or a resolver that stumbled, gets a few seconds.
  while (!tcp.ok && isRefusedOrUnresolved(tcp.code) && Date.now() < deadline) {
    await sleep(500);
    tcp = await probeTcp(endpoint, timeoutMs);
  }
  if (!tcp.ok) return explainTcp(endpoint, tcp);
  tcp.socket.destroy();
  const tls = await probeTls(endpoint, timeoutMs, endpoint.tls ? options.rootCertificates : undefined, endpoint.tls);
  if (endpoint.tls) {
    if (tls.ok) return undefined;
    if (/wrong version number|packet length too long|unknown protocol|record layer failure|http request/i.test(tls.message) || tls.code === "ERR_SSL_WRONG_VERSION_NUMBER") {
      return `${endpoint.address} does not speak TLS: for a plaintext server use --api http://${endpoint.address}`;
    }
    if (CERTIFICATE_CODES.has(tls.code)) {
      const what = tls.code === "ERR_TLS_CERT_ALTNAME_INVALID" ? `is not valid for ${endpoint.host}` : `is not trusted (${tls.message})`;
      return `the TLS certificate of ${endpoint.address} ${what}: if the server uses a private certificate authority, set CLARIFAI_ROOT_CERTIFICATES_PATH to its PEM file`;
    }
    return undefined;
  }
  if (tls.ok) return `${endpoint.address} speaks TLS: use --api https://${endpoint.address}`;
  // Something answers there, but not HTTP/2 (a web server on that port, say): grpc-js only says "Protocol error".
  if ((await speaksHttp2(endpoint, timeoutMs)) === false) return `${endpoint.address} answers, but not as a gRPC server (it does not speak HTTP/2): check the host and port of ${SCHEME_HINT}`;
  return undefined;
}

/**
 * Whether the server at a plaintext address speaks HTTP/2: true when its SETTINGS come,
 * false when it answers with bytes that are not HTTP/2, undefined when it says nothing in
 * time or closes the connection (a server that is busy or restarting may).
 */
function speaksHttp2(endpoint: Endpoint, timeoutMs: number): Promise<boolean | undefined> {
  return new Promise((resolve) => {
    const session = h2Connect(`http://${endpoint.address}`);
    let settled = false;
    const finish = (answer: boolean | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      session.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    session.once("remoteSettings", () => finish(true));
    session.once("error", (error: NodeJS.ErrnoException) => finish(error.code === "ERR_HTTP2_ERROR" || /protocol error/i.test(error.message) ? false : undefined));
    session.once("close", () => finish(undefined));
  });
}

function isRefusedOrUnresolved(code: string): boolean {
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
}

function explainTcp(endpoint: Endpoint, failure: { code: string; message: string }): string | undefined {
  switch (failure.code) {
    case "ECONNREFUSED":
      return `nothing is listening at ${endpoint.address} (connection refused): check the host and port of ${SCHEME_HINT}, and that the server is running`;
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot resolve the host name ${endpoint.host}: check ${SCHEME_HINT} and your network or DNS`;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `no route to ${endpoint.address}: check ${SCHEME_HINT} and your network`;
    default:
      // A timeout may be a slow network: the calls' own retries go on.
      return undefined;
  }
}

function probeTcp(endpoint: Endpoint, timeoutMs: number): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: endpoint.host, port: endpoint.port });
    settleProbe(socket, "connect", timeoutMs, resolve);
  });
}

function probeTls(endpoint: Endpoint, timeoutMs: number, ca: Buffer | undefined, verify: boolean): Promise<Probe> {
  return new Promise((resolve) => {
    const socket: TLSSocket = tlsConnect({
      host: endpoint.host,
      port: endpoint.port,
      // An IP address is not a server name (RFC 6066); Node warns when given one.
      servername: isIP(endpoint.host) ? undefined : endpoint.host,
      ALPNProtocols: ["h2"],
      ca,
      rejectUnauthorized: verify,
    });
    settleProbe(socket, "secureConnect", timeoutMs, (probe) => {
      if (probe.ok) probe.socket.destroy();
      resolve(probe);
    });
  });
}

function settleProbe(socket: Socket, event: "connect" | "secureConnect", timeoutMs: number, resolve: (probe: Probe) => void): void {
  let settled = false;
  const finish = (probe: Probe): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (!probe.ok) socket.destroy();
    resolve(probe);
  };
  const timer = setTimeout(() => finish({ ok: false, code: "ETIMEDOUT", message: `no answer in ${timeoutMs} ms` }), timeoutMs);
  socket.once(event, () => finish({ ok: true, socket }));
  socket.once("error", (error: NodeJS.ErrnoException) => finish({ ok: false, code: error.code ?? "", message: error.message }));
  socket.once("close", () => finish({ ok: false, code: "ECONNRESET", message: "the server closed the connection" }));
}

/**
 * A transport error as grpc-js words it, without what only its authors can read:
 * "No connection established. Last error: … Resolution note:" and OpenSSL's own lines.
 */
export function cleanTransportMessage(text: string): string {
  return text
    .replace(/No connection established\. Last error: (?:Error: )?/, "")
    .replace(/\.? ?Resolution note: ?$/, "")
    .replace(/[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:([^:]+):[^\n]*\n?/g, "TLS error: $1")
    .replace(/\s+$/, "");
}
