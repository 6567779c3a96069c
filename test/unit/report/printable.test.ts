import { describe, expect, it } from "vitest";
import { printable } from "../../../src/report/format.js";

describe("printable", () => {
  it("shows control characters as \\xHH, and keeps the tool's own colours and every other character", () => {
    expect(printable("a\x1b[2Jb")).toBe("a\\x1b[2Jb");
    expect(printable("one\ntwo\r\tthree\x7f\u0085")).toBe("one\\x0atwo\\x0d\\x09three\\x7f\\x85");
    expect(printable("\x1b[31m!\x1b[0m rejected é 日本 😀")).toBe("\x1b[31m!\x1b[0m rejected é 日本 😀");
  });
});
