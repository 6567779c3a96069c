import { describe, expect, it } from "vitest";
import { planBatches, type PlannedInput } from "../../../src/plan/batcher.js";
import type { InputKind } from "../../../src/validate/limits.js";
import type { Accepted } from "../../../src/validate/validate.js";

function planned(id: string, kind: InputKind, bytes: number): PlannedInput {
  const accepted = { status: "accepted", kind, format: "x", size: bytes, warnings: [], candidate: { source: id, relPath: id, fingerprint: "f", content: { kind: "text", text: "" } } } as unknown as Accepted;
  return { id, accepted, requestBytes: bytes };
}

async function collect(inputs: PlannedInput[], maxInputs: number, maxBytes: number) {
  async function* source() {
    // Groups of 100, as the stage before packing passes them on.
    for (let start = 0; start < inputs.length; start += 100) yield inputs.slice(start, start + 100);
  }
  const batches = [];
  for await (const batch of planBatches(source(), { maxInputs, maxBytes })) batches.push(batch.inputs.map((input) => input.id));
  return batches;
}

describe("planBatches", () => {
  it("caps the number of inputs per request", async () => {
    const inputs = Array.from({ length: 300 }, (_, i) => planned(`i${i}`, "image", 10));
    const batches = await collect(inputs, 128, 1e9);
    expect(batches.map((b) => b.length)).toEqual([128, 128, 44]);
  });

  it("stays under the byte cap; an oversize input travels alone", async () => {
    const batches = await collect([planned("a", "image", 40), planned("b", "image", 40), planned("c", "image", 40), planned("big", "image", 500), planned("d", "image", 10)], 128, 100);
    expect(batches).toEqual([["a", "b"], ["c"], ["big"], ["d"]]);
  });

  it("sends every video alone", async () => {
    const batches = await collect([planned("a", "image", 1), planned("v1", "video", 1), planned("b", "image", 1), planned("v2", "video", 1)], 128, 1e9);
    expect(batches).toContainEqual(["v1"]);
    expect(batches).toContainEqual(["v2"]);
    expect(batches.flat().sort()).toEqual(["a", "b", "v1", "v2"]);
    for (const batch of batches) if (batch.some((id) => id.startsWith("v"))) expect(batch).toHaveLength(1);
  });
});
