import { mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Candidate } from "../../../src/sources/candidate.js";
import { fileByteSource, unstatedFile } from "../../../src/sources/file-bytes.js";
import { validate, validateNow, type Accepted, type Rejected } from "../../../src/validate/validate.js";
import { fixture, jpegWithSegments, pngHeader } from "./helpers.js";

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "clarifai-upload-validate-now-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A verdict without its candidate, to compare two verdicts on two candidates of one file. */
function withoutCandidate(verdict: Accepted | Rejected): Omit<Accepted, "candidate"> | Omit<Rejected, "candidate"> {
  const { candidate: _, ...rest } = verdict;
  return rest;
}

/** Both ways a walk or a list makes a candidate of a file: not stat'ed yet, and with its size known. */
async function candidatesOf(path: string): Promise<Array<() => Candidate>> {
  const { size } = await stat(path);
  const relPath = basename(path);
  return [
    () => unstatedFile(path, relPath),
    () => ({ source: path, relPath, content: { kind: "bytes", bytes: fileByteSource(path, size) }, fingerprint: "" }),
  ];
}

async function filesIn(folder: string): Promise<string[]> {
  return (await readdir(folder)).map((name) => join(folder, name));
}

describe("validateNow", () => {
  it("decides nothing validate would decide otherwise, for every fixture and edge case", async () => {
    const big = join(tmp, "huge.png");
    await writeFile(big, pngHeader(20000, 20000)); // 400 megapixels in a small file
    const cut = join(tmp, "cut.png");
    await writeFile(cut, pngHeader(10, 10).subarray(0, 20));
    const farHeader = join(tmp, "far-header.jpg");
    await writeFile(farHeader, jpegWithSegments(64, 48, 5, 60000)); // its frame header past any synchronous head read
    const empty = join(tmp, "empty.png");
    await writeFile(empty, "");
    const text = join(tmp, "note.txt");
    await writeFile(text, "a note\n");
    const files = [...(await filesIn(fixture("media"))), ...(await filesIn(fixture("broken"))), big, cut, farHeader, empty, text];

    const decided: string[] = [];
    for (const file of files) {
      for (const make of await candidatesOf(file)) {
        const now = validateNow(make());
        const later = await validate(make());
        if (now === undefined) continue;
        expect(withoutCandidate(now), file).toEqual(withoutCandidate(later));
        decided.push(basename(file));
      }
    }
    // What it is for: the small PNGs and JPEGs of most uploads, and what their heads alone reject.
    expect(decided).toEqual(expect.arrayContaining(["image.png", "image.jpg", "huge.png", "empty.png", "note.txt"]));
  });

  it("leaves to validate what needs file-type, a far header, a missing file or an archive entry", async () => {
    const farHeader = join(tmp, "far.jpg");
    await writeFile(farHeader, jpegWithSegments(64, 48, 5, 60000));
    expect(validateNow(unstatedFile(fixture("media", "image.webp"), "image.webp"))).toBeUndefined();
    expect(validateNow(unstatedFile(farHeader, "far.jpg"))).toBeUndefined();
    expect(validateNow(unstatedFile(join(tmp, "missing.png"), "missing.png"))).toBeUndefined();
    const entry: Candidate = {
      source: "a.zip:b.png",
      relPath: "b.png",
      content: { kind: "bytes", bytes: { size: 10, head: async () => Buffer.alloc(0), all: async () => Buffer.alloc(0), readInto: async () => undefined, chunks: async function* () {} } },
      fingerprint: "",
    };
    expect(validateNow(entry)).toBeUndefined();
  });
});
