import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REASON_CODES } from "../../src/reasons.js";
import { ZIP_REJECT_REASONS } from "../../src/sources/zip.js";
import { REJECT_REASONS } from "../../src/validate/validate.js";

describe("reason codes", () => {
  it("are one list, each documented in the README's reason table", () => {
    const readme = readFileSync(join(import.meta.dirname, "../../README.md"), "utf8");
    const table = readme.slice(readme.indexOf("| reason | state | meaning |"), readme.indexOf("## Output"));
    for (const code of Object.keys(REASON_CODES)) expect(table, code).toContain(`| \`${code}\` |`);
    for (const code of [...REJECT_REASONS, ...ZIP_REJECT_REASONS]) expect(Object.keys(REASON_CODES)).toContain(code);
  });
});
