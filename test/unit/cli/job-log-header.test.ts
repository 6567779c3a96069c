import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jobLogHeader } from "../../../src/cli/check-paths.js";

const header = JSON.stringify({ type: "header", version: 1, job: "j", created: "now", command: "folder", args: ["/x"], target: { api: "a", user: "u", app: "p" }, options: {} });

function fileWith(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "cu-header-")), "job.jsonl");
  writeFileSync(path, text);
  return path;
}

describe("what makes a file a job log", () => {
  it("its first line that reads as JSON is a header: a line torn before it (a crash as the log was made) does not hide it", () => {
    expect(jobLogHeader(fileWith(`${header}\n{"type":"begin","run":"r"}\n`))).toMatchObject({ job: "j" });
    expect(jobLogHeader(fileWith(`${header.slice(0, 30)}\n${header}\n`))).toMatchObject({ job: "j" });
  });

  it("another tool's file is none: text, JSON lines of another kind, an empty file", () => {
    expect(jobLogHeader(fileWith("hello\n"))).toBeUndefined();
    expect(jobLogHeader(fileWith(`{"type":"ack"}\n${header}\n`))).toBeUndefined();
    expect(jobLogHeader(fileWith("null\n"))).toBeUndefined();
    expect(jobLogHeader(fileWith(""))).toBeUndefined();
  });
});
