import { describe, expect, it } from "vitest";
import { inputLine } from "../../../src/report/reporter.js";
import type { InputStatus } from "../../../src/upload/events.js";

describe("an input's JSON line", () => {
  it("is what JSON.stringify writes of the same fields, absent ones left out", () => {
    const cases: Array<[string | undefined, string, InputStatus, string | undefined, string | undefined, boolean | undefined]> = [
      ["a_jpg", "/data/a.jpg", "uploaded", undefined, undefined, undefined],
      [undefined, "/data/\"quoted\"\\back\nslash.jpg", "rejected", "too_large", "/data/x: 21 MB is over the 20 MB limit", false],
      ["ü", "/dätä/猫 \u2028.png", "present", "unchanged_since_last_run", undefined, true],
      ["id", "row 3", "failed", "unreachable", "", true],
      // Control characters, a lone surrogate and a whole pair, DEL and U+2028 (JSON escapes none of the last three).
      ["\u0001", "/data/\u001f\ud800x\udfff😀\u007f.jpg", "rejected", "unreadable", "tab\there", undefined],
    ];
    for (const [id, source, status, reason, message, dryRun] of cases) {
      const expected = JSON.stringify({ event: "input", id, source, status, reason, message, ...(dryRun ? { dry_run: true } : {}) });
      expect(inputLine(id, source, status, reason, message, dryRun)).toBe(`${expected}\n`);
    }
  });
});
