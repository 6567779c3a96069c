import { describe, expect, it } from "vitest";
import type { Candidate } from "../../../src/sources/candidate.js";
import { conceptOf } from "../../../src/sources/concepts.js";
import { applyTransform, type TransformInput } from "../../../src/upload/transform.js";
import type { Accepted } from "../../../src/validate/validate.js";

const candidate: Candidate = { source: "list.csv:2", relPath: "list.csv/2", content: { kind: "text", text: "hello" }, fingerprint: "f", concepts: [conceptOf("cat", 0.8)] };
const accepted: Accepted = { status: "accepted", candidate, kind: "text", format: "plain", size: 5, warnings: [] };
const defaults = { concepts: [conceptOf("base")], labelsFromFolder: false, metadata: {}, allowDuplicateUrl: false };

describe("applyTransform and concepts", () => {
  it("hands concepts over with their values and takes back names or {name, value}", async () => {
    let seen: TransformInput["concepts"] = [];
    const outcome = await applyTransform(
      (input) => {
        seen = input.concepts;
        return { ...input, concepts: [...input.concepts, "plain", { name: "Not A Dog", value: 0 }] };
      },
      accepted,
      "t-1",
      defaults,
    );
    expect(seen).toEqual([conceptOf("base"), conceptOf("cat", 0.8)]);
    expect(outcome.kind === "keep" && outcome.candidate.concepts).toEqual([conceptOf("base"), conceptOf("cat", 0.8), conceptOf("plain"), { id: "Not-A-Dog", name: "Not A Dog", value: 0 }]);
  });

  it("rejects the input when the transform returns a value outside 0..1", async () => {
    const outcome = await applyTransform((input) => ({ ...input, concepts: [{ name: "cat", value: 2 }] }), accepted, "t-2", defaults);
    expect(outcome).toEqual({ kind: "error", message: 'list.csv:2: the transform returned a bad concept: concept "cat" has value 2; a concept\'s value must be a number from 0 to 1 (0: a negative concept)' });
  });

  it("rejects the input, naming what is wrong, when the transform returns something no input can be", async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const returns: Array<[string, (input: TransformInput) => unknown]> = [
      ["number 42, not an input object (or null to leave it out)", () => 42],
      ['"str", not an input object (or null to leave it out)', () => "str"],
      ["an id that is undefined undefined, not a string", (input) => ({ ...input, id: undefined })],
      ["the type \"picture\", not one of image, video, audio, text", (input) => ({ ...input, type: "picture" })],
      ["a text that is number 7, not a string", (input) => ({ ...input, text: 7 })],
      ['metadata that is "oops", not an object', (input) => ({ ...input, metadata: "oops" })],
      ["metadata that JSON cannot hold (a function, a BigInt, a number that is not finite, a cycle)", (input) => ({ ...input, metadata: { big: 10n } })],
      ["metadata that JSON cannot hold (a function, a BigInt, a number that is not finite, a cycle)", (input) => ({ ...input, metadata: { run: () => 1 } })],
      ["metadata that JSON cannot hold (a function, a BigInt, a number that is not finite, a cycle)", (input) => ({ ...input, metadata: cyclic })],
      ["the geo point an object, not {longitude: -180..180, latitude: -90..90}", (input) => ({ ...input, geo: { longitude: 0, latitude: 999 } })],
      ["bytes that are \"not bytes\", not a Buffer or Uint8Array", (input) => ({ ...input, bytes: "not bytes" })],
    ];
    for (const [problem, transform] of returns) {
      const outcome = await applyTransform(transform as never, accepted, "t-3", defaults);
      expect(outcome).toEqual({ kind: "error", message: `list.csv:2: the transform returned ${problem}` });
    }
    // A Uint8Array is taken as bytes; the same metadata seen twice (not a cycle) is fine,
    // a field left undefined is left out, and a null geo point is none.
    const shared = { k: 1 };
    const fine = await applyTransform((input) => ({ ...input, type: "image", text: undefined, bytes: new Uint8Array([1, 2]) as Buffer, metadata: { a: shared, b: shared, caption: undefined }, geo: null as never }), accepted, "t-4", defaults);
    expect(fine.kind).toBe("keep");
    if (fine.kind === "keep") expect(fine.candidate.geo).toBeUndefined();
    if (fine.kind === "keep" && fine.candidate.content.kind === "bytes") expect(Buffer.isBuffer(await fine.candidate.content.bytes.all())).toBe(true);
  });
});
