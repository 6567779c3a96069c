import { describe, expect, it } from "vitest";
import type { ByteSource, Candidate } from "../../../src/sources/candidate.js";
import { assignIds } from "../../../src/upload/assign-ids.js";
import type { Checked } from "../../../src/upload/check.js";
import type { UploadPlan } from "../../../src/upload/plan.js";
import { MAX_REQUEST_BYTES_EXCLUSIVE } from "../../../src/validate/limits.js";
import { acceptedText, collectGroups, fromArray, recordingBus, testPlan, textCandidate } from "../../helpers/upload-stage.js";

async function assign(checked: readonly Checked[], plan: UploadPlan = testPlan()) {
  const { bus, events } = recordingBus();
  const planned = await collectGroups(assignIds(plan, fromArray([checked]), bus));
  return { planned, events };
}

/** Bytes that are never read: assigning ids must not touch file content. */
function unreadBytes(size: number): ByteSource {
  const refuse = (): never => {
    throw new Error("read");
  };
  return { size, head: refuse, all: refuse, readInto: refuse, chunks: refuse };
}

describe("assignIds", () => {
  it("reports refused verdicts, transform skips and transform errors as input events, and packs none of them", async () => {
    const empty = textCandidate("empty", { text: "" });
    const skipped = textCandidate("skipped");
    const broken = textCandidate("broken");
    const { planned, events } = await assign([
      { verdict: { status: "rejected", candidate: empty, reason: "empty", message: "/data/empty.txt: no content" }, id: "empty" },
      { skipped, id: "skipped" },
      { transformError: broken, message: "/data/broken.txt: the transform threw: boom", id: "broken" },
    ]);
    expect(planned).toEqual([]);
    expect(events).toEqual([
      { type: "input", id: "empty", source: "/data/empty.txt", status: "rejected", reason: "empty", message: "/data/empty.txt: no content", bytes: 0, candidate: empty },
      { type: "input", id: "skipped", source: "/data/skipped.txt", status: "skipped", reason: "transform_skipped", message: "/data/skipped.txt: the transform left it out", bytes: 0 },
      { type: "input", id: "broken", source: "/data/broken.txt", status: "rejected", reason: "transform_error", message: "/data/broken.txt: the transform threw: boom", bytes: 0, candidate: broken },
    ]);
  });

  it("passes on validation warnings and region problems as events", async () => {
    const candidate = textCandidate("a");
    const { planned, events } = await assign([{ verdict: acceptedText(candidate, ["extension says .jpg"]), id: "a", regionProblems: ["labels/a.txt:3: bad box"] }]);
    expect(planned.map((input) => input.id)).toEqual(["a"]);
    expect(events).toEqual([
      { type: "annotation_failed", source: "/data/a.txt", message: "labels/a.txt:3: bad box" },
      { type: "warning", source: "/data/a.txt", message: "extension says .jpg" },
    ]);
  });

  it("gives two inputs that claim one id distinct ids, and warns about the second", async () => {
    const first = textCandidate("x/pic", { id: "pic" });
    const second = textCandidate("y/pic", { id: "pic" });
    const { planned, events } = await assign([
      { verdict: acceptedText(first), id: "pic" },
      { verdict: acceptedText(second), id: "pic" },
    ]);
    const [one, two] = planned.map((input) => input.id);
    expect(one).toBe("pic");
    expect(two).toMatch(/^pic-/);
    expect(two).not.toBe("pic");
    expect(events).toEqual([{ type: "warning", source: "/data/y/pic.txt", message: `/data/y/pic.txt: id pic is taken by another input of this run; using ${two}` }]);
  });

  it("derives the id from the path, with the run's prefix, when none came with the input", async () => {
    const candidate: Candidate = { source: "/data/cat.txt", relPath: "cat", content: { kind: "text", text: "meow" }, fingerprint: "f" };
    const { planned } = await assign([{ verdict: acceptedText(candidate) }], testPlan([], { idPrefix: "run1-" }));
    expect(planned.map((input) => input.id)).toEqual(["run1-cat"]);
  });

  it("rejects as too_large an input that no request can carry, and packs the one after it", async () => {
    const huge: Candidate = { source: "/data/huge.jpg", relPath: "huge.jpg", content: { kind: "bytes", bytes: unreadBytes(MAX_REQUEST_BYTES_EXCLUSIVE) }, fingerprint: "f" };
    const small = textCandidate("small");
    const { planned, events } = await assign([
      { verdict: { status: "accepted", candidate: huge, kind: "image", format: "jpg", size: MAX_REQUEST_BYTES_EXCLUSIVE, warnings: [] }, id: "huge" },
      { verdict: acceptedText(small), id: "small" },
    ]);
    expect(planned.map((input) => input.id)).toEqual(["small"]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "input", id: "huge", source: "/data/huge.jpg", status: "rejected", reason: "too_large", bytes: 0, candidate: huge });
    expect(events[0]?.type === "input" && events[0].message).toMatch(/^\/data\/huge\.jpg: .* a request must stay under 128 MiB$/);
  });

  it("counts an input's payload in the bytes it adds to a request", async () => {
    const { planned } = await assign([
      { verdict: acceptedText(textCandidate("a", { text: "x" })), id: "a" },
      { verdict: acceptedText(textCandidate("b", { text: "x".repeat(1001) })), id: "b" },
    ]);
    const [a, b] = planned.map((input) => input.requestBytes);
    expect((b ?? 0) - (a ?? 0)).toBe(1000);
  });

  it("marks an input sent again after failed processing: it replaces the failed one, and carries its count of failures", async () => {
    const retried = textCandidate("retried");
    const fresh = textCandidate("fresh");
    const { planned } = await assign([
      { verdict: acceptedText(retried), id: "retried", retry: { processingFailures: 2, replacesFailed: true } },
      { verdict: acceptedText(fresh), id: "fresh" },
    ]);
    expect(planned.map((input) => [input.id, input.accepted.candidate, input.replacesFailed, input.processingFailures])).toEqual([
      ["retried", retried, true, 2],
      ["fresh", fresh, undefined, undefined],
    ]);
    expect(Object.keys(planned[1]!)).not.toContain("replacesFailed");
  });
});
