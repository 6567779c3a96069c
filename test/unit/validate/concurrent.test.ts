import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fileByteSource } from "../../../src/sources/file-bytes.js";
import { validate } from "../../../src/validate/validate.js";

const MEDIA = join(import.meta.dirname, "../../../fixtures/media");

describe("validate, concurrently", () => {
  it("gives every file its own verdict when many run at once", async () => {
    const files = readdirSync(MEDIA);
    const verdicts = await Promise.all(
      [...files, ...files, ...files].map((name) => {
        const path = join(MEDIA, name);
        return validate({ source: path, relPath: name, fingerprint: "f", content: { kind: "bytes", bytes: fileByteSource(path, statSync(path).size) } });
      }),
    );
    for (const verdict of verdicts) expect(verdict.status, verdict.candidate.relPath).toBe("accepted");
  });
});
