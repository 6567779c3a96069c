import type { Metadata } from "@grpc/grpc-js";
import type { Status } from "../gen/clarifai/api/status/status.js";
import { status, StatusCode } from "./status.js";

/**
 * Checks the `authorization: Key <PAT>` metadata against the configured PATs.
 * With no PATs configured every request is accepted. Otherwise, as the platform:
 * no key at all -> CONN_KEY_NOT_FOUND (11009); a malformed header or a key that
 * is not one of the configured PATs -> CONN_KEY_INVALID (11008). The key itself
 * never appears in the answer.
 */
export class Authenticator {
  private readonly pats: ReadonlySet<string>;

  constructor(pats: readonly string[] = []) {
    this.pats = new Set(pats.filter((p) => p.length > 0));
  }

  get acceptsAnyKey(): boolean {
    return this.pats.size === 0;
  }

  /** null when the request may proceed, else the status to answer with. */
  check(metadata: Metadata): Status | null {
    if (this.acceptsAnyKey) return null;
    const values = metadata.get("authorization");
    const header = values.length > 0 ? String(values[0]).trim() : "";
    if (header === "") {
      return status(
        StatusCode.CONN_KEY_NOT_FOUND,
        undefined,
        "no API key in the request: send the metadata 'authorization: Key <PAT>'",
      );
    }
    const match = /^Key\s+(\S+)$/i.exec(header);
    if (match === null) {
      return status(
        StatusCode.CONN_KEY_INVALID,
        undefined,
        "the authorization metadata must have the form 'Key <PAT>'",
      );
    }
    if (!this.pats.has(match[1] ?? "")) {
      return status(StatusCode.CONN_KEY_INVALID, undefined, "the PAT is not known to this server");
    }
    return null;
  }
}
