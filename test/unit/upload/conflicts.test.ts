import { describe, expect, it } from "vitest";
import type { Caller } from "../../../src/api/caller.js";
import type { PlannedInput } from "../../../src/plan/batcher.js";
import { resolveDuplicates, suffixedId } from "../../../src/upload/conflicts.js";
import type { InputOutcome } from "../../../src/upload/sender.js";

const mine = "a".repeat(64);
const theirs = "b".repeat(64);

function planned(id: string, content: PlannedInput["accepted"]["candidate"]["content"] = { kind: "text", text: "t" }): PlannedInput {
  const candidate = { source: `/data/${id}`, relPath: id, content, fingerprint: "f" };
  return { id, accepted: { status: "accepted", candidate, kind: "text", format: "txt", size: 1, warnings: [] }, requestBytes: 0 };
}

const duplicate = (id: string, digest = mine, content?: PlannedInput["accepted"]["candidate"]["content"]): InputOutcome => ({ input: planned(id, content), status: "duplicate", digest });

/** A caller whose ListInputs answers from `stored` (id -> digest) and counts its calls. */
function lookupCaller(stored: Record<string, string | undefined>): Caller & { lookups: string[][] } {
  const caller = {
    lookups: [] as string[][],
    async call(_rpc: string, request: { ids: string[] }) {
      caller.lookups.push(request.ids);
      const inputs = request.ids.filter((id) => id in stored).map((id) => ({ id, data: { metadata: stored[id] ? { content_sha256: stored[id], path: `other/${id}` } : {} } }));
      return { inputs };
    },
  };
  return caller as unknown as Caller & { lookups: string[][] };
}

describe("resolveDuplicates", () => {
  it("takes the job log's digest for an input the server holds without one (sent before digests)", async () => {
    const caller = lookupCaller({ x: undefined });
    const result = await resolveDuplicates(caller, [duplicate("x")], "fail", () => mine);
    expect(result.settled).toMatchObject([{ status: "present" }]);
    expect(caller.lookups).toEqual([["x"]]);
  });

  it("looks the ids up in one call: the same digest is present, another is a conflict naming both", async () => {
    const caller = lookupCaller({ same: mine, other: theirs, bare: undefined });
    const result = await resolveDuplicates(caller, [duplicate("same"), duplicate("other"), duplicate("bare")], "fail", () => undefined);
    expect(caller.lookups).toEqual([["same", "other", "bare"]]);
    expect(result.settled.map((s) => [s.input.id, s.status])).toEqual([["same", "present"], ["other", "conflict"], ["bare", "conflict"]]);
    const other = result.settled.find((s) => s.input.id === "other");
    expect(other?.message).toContain("/data/other");
    expect(other?.message).toContain(theirs);
    expect(other?.message).toContain("other/other");
    expect(result.settled.find((s) => s.input.id === "bare")?.message).toContain("no content_sha256");
  });

  it("skip keeps the server's input; suffix and replace send again, replace after deleting", async () => {
    const stored = { other: theirs };
    expect((await resolveDuplicates(lookupCaller(stored), [duplicate("other")], "skip", () => undefined)).settled).toMatchObject([{ status: "kept", reason: "id_conflict" }]);
    const suffixed = await resolveDuplicates(lookupCaller(stored), [duplicate("other")], "suffix", () => undefined);
    expect(suffixed.resend.map((input) => input.id)).toEqual([`other-${mine.slice(0, 8)}`]);
    expect(suffixed.deleteFirst).toEqual([]);
    const replaced = await resolveDuplicates(lookupCaller(stored), [duplicate("other")], "replace", () => undefined);
    expect(replaced.resend.map((input) => input.id)).toEqual(["other"]);
    expect(replaced.deleteFirst).toEqual(["other"]);
  });

  it("does not send a resend's duplicate again: it is a conflict", async () => {
    const resent = { ...duplicate("other"), input: { ...planned("other"), resent: true } };
    const result = await resolveDuplicates(lookupCaller({ other: theirs }), [resent], "suffix", () => undefined);
    expect(result.settled).toMatchObject([{ status: "conflict" }]);
    expect(result.resend).toEqual([]);
  });

  it("--id-from name: renames once for a namesake at another path; what a renamed input meets next is the policy's, sent as a final round", async () => {
    const namesake = { pathOf: (input: PlannedInput) => input.accepted.candidate.relPath, isOwn: () => false, warn: () => undefined };
    // other/x holds x: this x (at path x) takes the namesake id, marked renamed.
    const renamed = await resolveDuplicates(lookupCaller({ x: theirs }), [duplicate("x")], "suffix", () => undefined, namesake);
    expect(renamed.resend).toHaveLength(1);
    expect(renamed.resend[0]).toMatchObject({ renamed: true });
    expect(renamed.resend[0]?.id).not.toBe("x");
    // Taken again under the new id: suffixed, and no longer renamed (so the next round is final: no loop).
    const again = { ...duplicate(renamed.resend[0]!.id), input: renamed.resend[0]! };
    const suffixed = await resolveDuplicates(lookupCaller({ [again.input.id]: theirs }), [again], "suffix", () => undefined, namesake);
    expect(suffixed.resend.map((input) => [input.id, input.renamed])).toEqual([[suffixedId(again.input.id, mine), undefined]]);
    // Beside an input sent again already, a renamed one still gets the policy; the other is final.
    const resent = { ...duplicate("y"), input: { ...planned("y"), resent: true } };
    const mixed = await resolveDuplicates(lookupCaller({ [again.input.id]: theirs, y: theirs }), [again, resent], "replace", () => undefined, namesake);
    expect(mixed.deleteFirst).toEqual([again.input.id]);
    expect(mixed.settled.map((s) => [s.input.id, s.status])).toEqual([["y", "conflict"]]);
  });

  it("a URL the app holds under another id is present, with its reason", async () => {
    const result = await resolveDuplicates(lookupCaller({}), [duplicate("u", mine, { kind: "url", url: "https://x/a.jpg" })], "fail", () => undefined);
    expect(result.settled).toMatchObject([{ status: "present", reason: "duplicate_url" }]);
  });

  it("keeps a suffixed id within the platform's id length", () => {
    expect(suffixedId("a".repeat(300), mine).length).toBeLessThanOrEqual(255);
    expect(suffixedId("pic", mine)).toBe(`pic-${mine.slice(0, 8)}`);
  });
});
