import { UsageError } from "../errors.js";

export interface Endpoint {
  /** host:port as gRPC dials it. */
  address: string;
  host: string;
  port: number;
  tls: boolean;
}

/**
 * `https://host[:port]` is TLS, default port 443;
 * `http://host:port` is plaintext and allowed only for a loopback host unless `insecure`.
 * Without a scheme it is a usage error: a bare `host:port` could mean either.
 */
export function parseEndpoint(apiBase: string, insecure = false): Endpoint {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(apiBase)) {
    throw new UsageError(`API base ${apiBase}: say which protocol: https://${apiBase} (TLS) or http://${apiBase} (plaintext, e.g. a local server)`);
  }
  let url: URL;
  try {
    url = new URL(apiBase);
  } catch {
    throw new UsageError(`--api ${apiBase}: not a URL (expected https://host[:port] or http://host:port)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--api ${apiBase}: scheme must be https:// or http://`);
  }
  const tls = url.protocol === "https:";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = url.port ? Number(url.port) : tls ? 443 : 80;
  if (!tls && !insecure && !isLoopback(host)) {
    throw new UsageError(`--api ${apiBase}: plaintext is allowed only to a loopback host; use https:// or pass --insecure`);
  }
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return { address, host, port, tls };
}

export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}
