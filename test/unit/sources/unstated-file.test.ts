import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unstatedFile } from "../../../src/sources/file-bytes.js";
import { validate } from "../../../src/validate/validate.js";

const PNG_1X1 = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082", "hex");

function fileIn(name: string, bytes: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "cu-unstated-")), name);
  writeFileSync(path, bytes);
  utimesSync(path, 1_700_000_000, 1_700_000_000);
  return path;
}

describe("a file found by a walk, stat'ed when first read", () => {
  it("learns its size and mtime from the read that validates it", async () => {
    const path = fileIn("a.png", PNG_1X1);
    const candidate = unstatedFile(path, "a.png");
    const verdict = await validate(candidate);
    expect(verdict).toMatchObject({ status: "accepted", kind: "image", size: PNG_1X1.length });
    expect(candidate.fingerprint).toBe(`${PNG_1X1.length}:1700000000000`);
    // The bytes kept from that read are what is sent, even if the file changes now.
    writeFileSync(path, Buffer.alloc(10));
    const bytes = candidate.content.kind === "bytes" ? await candidate.content.bytes.all() : undefined;
    expect(bytes).toEqual(PNG_1X1);
  });

  it("is stat'ed when its fingerprint is asked for first, and keeps it in a copy", () => {
    const path = fileIn("b.png", PNG_1X1);
    const candidate = unstatedFile(path, "b.png");
    const copy = { ...candidate, id: "x" };
    expect(copy.fingerprint).toBe(`${statSync(path).size}:1700000000000`);
    expect(candidate.content.kind === "bytes" && candidate.content.bytes.size).toBe(PNG_1X1.length);
  });

  it("is reported unreadable, naming the file, when it is gone before it is read", async () => {
    const path = fileIn("c.png", PNG_1X1);
    const candidate = unstatedFile(path, "c.png");
    rmSync(path);
    const verdict = await validate(candidate);
    expect(verdict).toMatchObject({ status: "rejected", reason: "unreadable" });
    expect(verdict.status === "rejected" && verdict.message).toContain(path);
    expect(candidate.fingerprint).toBe("");
  });

  it("an empty file is refused as empty", async () => {
    const verdict = await validate(unstatedFile(fileIn("d.png", Buffer.alloc(0)), "d.png"));
    expect(verdict).toMatchObject({ status: "rejected", reason: "empty" });
  });
});
