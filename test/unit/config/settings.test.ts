import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULT_API_BASE, resolveSettings } from "../../../src/config/settings.js";

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cu-config-")), "config");
  writeFileSync(path, text);
  return path;
}

describe("resolveSettings", () => {
  const file = configFile(`current_context: work
contexts:
  work:
    env:
      CLARIFAI_PAT: file-pat
      CLARIFAI_USER_ID: file-user
      CLARIFAI_APP_ID: file-app
  other:
    CLARIFAI_PAT: other-pat
    CLARIFAI_API_BASE: https://other.example:8443
`);

  it("takes flags over environment over the config file", () => {
    const env = { CLARIFAI_PAT: "env-pat", CLARIFAI_USER_ID: "env-user" };
    const settings = resolveSettings({ configFile: file, app: "flag-app" }, env);
    expect(settings).toMatchObject({ pat: "env-pat", userId: "env-user", appId: "flag-app", apiBase: DEFAULT_API_BASE });
    expect(resolveSettings({ configFile: file, pat: "flag-pat" }, env).pat).toBe("flag-pat");
  });

  it("refuses a token with a character no token has, without showing it", () => {
    for (const pat of ["SECRET\nPAT12345678", "SECRÉTPAT12345678", "SECRET PAT", "SECRET\u0001PAT"]) {
      expect(() => resolveSettings({ configFile: file, pat }, {})).toThrow(/^the personal access token holds a character no token has/);
      try {
        resolveSettings({ configFile: file, pat }, {});
      } catch (error) {
        expect((error as Error).message).not.toContain("SECRET");
      }
    }
    expect(() => resolveSettings({ configFile: file }, { CLARIFAI_PAT: "SECRET\u0001PAT" })).toThrow(/no token has/);
    // Surrounding whitespace (a pasted newline) is trimmed, as before.
    expect(resolveSettings({ configFile: file, pat: "  abc123\n" }, {}).pat).toBe("abc123");
  });

  it("says so when the config file is there but cannot be read, instead of finding no PAT", () => {
    const folder = mkdtempSync(join(tmpdir(), "cu-config-"));
    expect(() => resolveSettings({ configFile: folder }, {})).toThrow(`${folder}: cannot read the config file (EISDIR)`);
    expect(resolveSettings({ configFile: join(folder, "absent") }, {}).pat).toBeUndefined();
  });

  it("reads the current context, nested or flat", () => {
    expect(resolveSettings({ configFile: file }, {})).toMatchObject({ pat: "file-pat", userId: "file-user", appId: "file-app" });
    expect(resolveSettings({ configFile: file, context: "other" }, {})).toMatchObject({ pat: "other-pat", apiBase: "https://other.example:8443" });
  });

  it("rejects an unknown context by name", () => {
    expect(() => resolveSettings({ configFile: file, context: "nope" }, {})).toThrow(/no such context.*have: work, other/);
  });

  it("rejects a current_context that names no context when the run needs what it would give, rather than going on without it", () => {
    const broken = configFile("current_context: gone\ncontexts:\n  work:\n    pat: p\n");
    expect(() => resolveSettings({ configFile: broken }, {})).toThrow(`${broken}: current_context gone names no context in it (have: work); give --context NAME`);
    expect(() => resolveSettings({ configFile: broken, pat: "p" }, { CLARIFAI_USER_ID: "u" })).toThrow("current_context gone");
    expect(resolveSettings({ configFile: broken, pat: "p", user: "u", app: "a" }, {})).toMatchObject({ pat: "p", userId: "u", appId: "a" });
  });

  it("works with no config file", () => {
    expect(resolveSettings({ configFile: "/nonexistent/config" }, { CLARIFAI_ROOT_CERTIFICATES_PATH: "/ca.pem" })).toMatchObject({ rootCertificatesPath: "/ca.pem", pat: undefined });
  });
});
