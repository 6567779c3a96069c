import { describe, expect, it } from "vitest";
import { parseEndpoint } from "../../../src/api/endpoint.js";
import { UsageError } from "../../../src/errors.js";

describe("parseEndpoint", () => {
  it("treats https as TLS on 443", () => {
    expect(parseEndpoint("https://api.clarifai.com")).toEqual({ address: "api.clarifai.com:443", host: "api.clarifai.com", port: 443, tls: true });
    expect(parseEndpoint("https://example.org:8443")).toMatchObject({ address: "example.org:8443", tls: true });
  });

  it("allows plaintext only to loopback unless insecure", () => {
    expect(parseEndpoint("http://127.0.0.1:50051")).toMatchObject({ address: "127.0.0.1:50051", tls: false });
    expect(parseEndpoint("http://localhost:1234")).toMatchObject({ tls: false });
    expect(parseEndpoint("http://[::1]:1234")).toMatchObject({ address: "[::1]:1234", tls: false });
    expect(() => parseEndpoint("http://10.0.0.5:50051")).toThrow(UsageError);
    expect(() => parseEndpoint("http://10.0.0.5:50051")).toThrow(/--insecure/);
    expect(parseEndpoint("http://10.0.0.5:50051", true)).toMatchObject({ tls: false });
  });

  it("refuses an address without a scheme, showing both forms", () => {
    expect(() => parseEndpoint("api.clarifai.com")).toThrow(UsageError);
    expect(() => parseEndpoint("127.0.0.1:50051")).toThrow("https://127.0.0.1:50051 (TLS) or http://127.0.0.1:50051 (plaintext");
  });

  it("rejects other schemes", () => {
    expect(() => parseEndpoint("ftp://x")).toThrow(/scheme/);
  });
});
