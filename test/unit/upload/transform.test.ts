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
});
