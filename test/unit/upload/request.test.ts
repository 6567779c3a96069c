import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PostInputsRequest } from "../../../src/gen/clarifai/api/service.js";
import type { PlannedInput } from "../../../src/plan/batcher.js";
import type { ByteSource, Candidate } from "../../../src/sources/candidate.js";
import { conceptOf } from "../../../src/sources/concepts.js";
import { encodeBatch, type InputDefaults } from "../../../src/upload/request.js";
import type { InputKind } from "../../../src/validate/limits.js";

const defaults: InputDefaults = { concepts: [conceptOf("animal")], labelsFromFolder: true, metadata: { batch: 7 }, allowDuplicateUrl: false };
const header = { userAppId: { userId: "me", appId: "app" }, inputsAddJobId: "job", inputIdConflictResolution: 0 };

/** Bytes as a source whose whole read may give other bytes than were checked (a file changed since). */
function bytesSource(checked: Buffer, read: Buffer = checked): ByteSource {
  return {
    size: checked.length,
    head: async (length) => checked.subarray(0, length),
    all: async () => read,
    readInto: async (target) => void read.copy(target),
    async *chunks() {
      yield read;
    },
  };
}

function planned(relPath: string, kind: InputKind, checked: Buffer, read?: Buffer): PlannedInput {
  const candidate: Candidate = { source: `/data/${relPath}`, relPath, content: { kind: "bytes", bytes: bytesSource(checked, read) }, fingerprint: "f" };
  return { id: relPath.replace(/\W/g, "_"), accepted: { status: "accepted", candidate, kind, format: "x", size: checked.length, warnings: [] }, requestBytes: 0 };
}

describe("encodeBatch", () => {
  it("reads every file into the request, texts as their UTF-8 raw text", async () => {
    const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const text = Buffer.from("Grüße aus Köln\n", "utf8");
    const batch = await encodeBatch([planned("cats/a.png", "image", image), planned("notes/b.txt", "text", text)], defaults, header);
    expect(batch.unreadable).toEqual([]);
    expect(batch.entries.map((entry) => entry.index)).toEqual([0, 1]);
    const request = PostInputsRequest.decode(batch.request.buffer);
    expect(request.inputsAddJobId).toBe("job");
    const [a, b] = request.inputs;
    expect(Buffer.from(a?.data?.image?.base64 ?? []).equals(image)).toBe(true);
    expect(a?.data?.concepts.map((concept) => concept.name)).toEqual(["animal", "cats"]);
    const sha256 = (bytes: Buffer): string => createHash("sha256").update(bytes).digest("hex");
    // The digest is written over its placeholder once the bytes are in the request.
    expect(a?.data?.metadata).toEqual({ filename: "a.png", path: "cats/a.png", batch: 7, content_sha256: sha256(image) });
    expect(b?.data?.metadata?.content_sha256).toBe(sha256(text));
    expect(batch.entries.map((entry) => entry.digest)).toEqual([sha256(image), sha256(text)]);
    expect(b?.data?.text?.raw).toBe("Grüße aus Köln\n");
    expect(b?.id).toBe("notes_b_txt");
  });

  it("leaves out a file that cannot be read, or a text that is no longer UTF-8, and keeps the others", async () => {
    const gone: PlannedInput = planned("gone.png", "image", Buffer.from([1, 2]));
    const content = gone.accepted.candidate.content;
    if (content.kind === "bytes") content.bytes.readInto = async () => Promise.reject(new Error("ENOENT: no such file"));
    const changed = planned("changed.txt", "text", Buffer.from("fine"), Buffer.from([0x66, 0xff, 0x6e, 0x65]));
    const good = planned("good.txt", "text", Buffer.from("good"));
    const batch = await encodeBatch([gone, changed, good], defaults, header);
    expect(batch.unreadable.map((entry) => entry.message)).toEqual([
      "/data/gone.png: ENOENT: no such file",
      "/data/changed.txt: it is no longer valid UTF-8 text (it changed after it was checked)",
    ]);
    expect(batch.entries.map((entry) => entry.input.id)).toEqual(["good_txt"]);
    const request = PostInputsRequest.decode(batch.request.only(batch.entries.map((entry) => entry.index)));
    expect(request.inputs.map((input) => input.data?.text?.raw)).toEqual(["good"]);
  });
});

describe("content digests", () => {
  it("cover the prompt sent beside an image: a changed prompt is changed content", async () => {
    const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9]);
    const withPrompt = (prompt: string): PlannedInput => {
      const input = planned("cars/p.png", "image", image);
      return { ...input, accepted: { ...input.accepted, candidate: { ...input.accepted.candidate, prompt } } };
    };
    const red = await encodeBatch([withPrompt("a red car")], defaults, header);
    const blue = await encodeBatch([withPrompt("a BLUE truck")], defaults, header);
    const expected = createHash("sha256").update(image).update("\0").update("a red car").digest("hex");
    expect(red.entries[0]?.digest).toBe(expected);
    expect(PostInputsRequest.decode(red.request.buffer).inputs[0]?.data?.metadata?.content_sha256).toBe(expected);
    expect(blue.entries[0]?.digest).not.toBe(expected);
  });

  it("are written into the metadata, not over a prompt that holds the placeholder's bytes", async () => {
    const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 7, 7]);
    const prompt = "\u0001".repeat(80);
    const input = planned("odd/p.png", "image", image);
    const batch = await encodeBatch([{ ...input, accepted: { ...input.accepted, candidate: { ...input.accepted.candidate, prompt } } }], defaults, header);
    const sent = PostInputsRequest.decode(batch.request.buffer).inputs[0];
    expect(sent?.data?.text?.raw).toBe(prompt);
    expect(sent?.data?.metadata?.content_sha256).toBe(createHash("sha256").update(image).update("\0").update(prompt).digest("hex"));
  });

  it("replace a digest the input's own metadata names, and leave a later value that holds the placeholder's bytes", async () => {
    const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 5, 5]);
    const input = planned("own/m.png", "image", image);
    const odd = "\u0001".repeat(64);
    const candidate = { ...input.accepted.candidate, metadata: { content_sha256: "old", note: odd } };
    const batch = await encodeBatch([{ ...input, accepted: { ...input.accepted, candidate } }], defaults, header);
    const metadata = PostInputsRequest.decode(batch.request.buffer).inputs[0]?.data?.metadata;
    expect(metadata).toEqual({ filename: "m.png", path: "own/m.png", batch: 7, note: odd, content_sha256: createHash("sha256").update(image).digest("hex") });
    expect(Object.keys(metadata ?? {}).at(-1)).toBe("content_sha256");
  });
});
