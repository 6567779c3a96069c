import { describe, expect, it } from "vitest";
import { previousState, withRegions } from "../../../src/upload/previous-state.js";

const ack = { type: "ack" as const, id: "a", source: "/a", fingerprint: "1:1", batch: 1, run: "r" };
const failedProcessing = { type: "processing_failed" as const, id: "a", source: "/a", fingerprint: "1:1", code: 30002, description: "bad", attempts: 2, run: "r" };

describe("previousState", () => {
  it("settles an unchanged acknowledged input, and sends a changed one under the conflict rule", () => {
    expect(previousState({ ...ack, status: "uploaded" }, "1:1", 3)).toEqual({ kind: "settled", status: "present", id: "a" });
    expect(previousState({ ...ack, status: "processed" }, "1:1", 3)).toEqual({ kind: "settled", status: "present", id: "a" });
    expect(previousState({ ...ack, status: "uploaded" }, "2:2", 3)).toEqual({ kind: "changed", id: "a" });
    expect(previousState(undefined, "1:1", 3)).toEqual({ kind: "new" });
  });

  it("posts the regions of an unchanged file whose regions changed, comparing them only when both runs read regions", () => {
    const withA = withRegions("1:1", "aaaa");
    const uploaded = { ...ack, status: "uploaded" as const, fingerprint: withA };
    expect(previousState(uploaded, withA, 3)).toEqual({ kind: "settled", status: "present", id: "a" });
    expect(previousState(uploaded, withRegions("1:1", "bbbb"), 3)).toEqual({ kind: "annotate", id: "a" });
    expect(previousState(uploaded, withRegions("2:2", "aaaa"), 3)).toEqual({ kind: "changed", id: "a" });
    // A run without --annotations, or a record from before digests: nothing to compare.
    expect(previousState(uploaded, "1:1", 3)).toEqual({ kind: "settled", status: "present", id: "a" });
    expect(previousState({ ...uploaded, fingerprint: "1:1" }, withA, 3)).toEqual({ kind: "settled", status: "present", id: "a" });
    // Other records compare the content alone: edited regions are no new content.
    expect(previousState({ ...failedProcessing, fingerprint: withA }, withRegions("1:1", "bbbb"), 2)).toMatchObject({ kind: "gave_up", failures: 2 });
    const conflict = { type: "conflict" as const, id: "a", source: "/a", fingerprint: withA, reason: "id_conflict", message: "m", run: "r" };
    expect(previousState(conflict, withRegions("1:1", "bbbb"), 3)).toMatchObject({ kind: "conflicted" });
  });

  it("keeps a kept input under skip, and applies another policy afresh", () => {
    expect(previousState({ ...ack, status: "kept" }, "1:1", 3, "skip")).toEqual({ kind: "settled", status: "kept", id: "a" });
    expect(previousState({ ...ack, status: "kept" }, "1:1", 3, "replace")).toEqual({ kind: "changed", id: "a" });
  });

  it("sends a processing failure again until --max-processing-attempts, then gives up", () => {
    expect(previousState(failedProcessing, "1:1", 3)).toEqual({ kind: "reprocess", id: "a", failures: 2 });
    expect(previousState(failedProcessing, "1:1", 2)).toMatchObject({ kind: "gave_up", failures: 2, description: "bad" });
    // Changed since: replaces what failed, and counts from zero again.
    expect(previousState(failedProcessing, "9:9", 2)).toEqual({ kind: "reprocess", id: "a", failures: 0 });
  });

  it("keeps counting the processing failures of an input whose sending again failed", () => {
    const failed = { type: "failed" as const, id: "a", source: "/a", fingerprint: "1:1", reason: "unreachable", message: "m", processingFailures: 2, run: "r" };
    expect(previousState(failed, "1:1", 3)).toEqual({ kind: "reprocess", id: "a", failures: 2 });
    expect(previousState(failed, "9:9", 3)).toEqual({ kind: "reprocess", id: "a", failures: 0 });
  });

  it("sends rejected and failed inputs as new; an unchanged one the server held other content for is a conflict to ask about again", () => {
    const conflict = { type: "conflict" as const, id: "a", source: "/a", fingerprint: "1:1", reason: "id_conflict", message: "m", run: "r" };
    expect(previousState(conflict, "1:1", 3)).toEqual({ kind: "conflicted", id: "a", message: "m" });
    expect(previousState(conflict, "9:9", 3)).toEqual({ kind: "new" });
    expect(previousState({ type: "failed", id: "a", source: "/a", fingerprint: "1:1", reason: "unreachable", message: "m", run: "r" }, "1:1", 3)).toEqual({ kind: "new" });
  });

  it("takes a changed source whose id changed with it for another input in the same place", () => {
    const row = { ...failedProcessing, id: "bad", source: "list.csv:2" };
    // Line 2 now holds another row, with its own id: not the input that failed.
    expect(previousState(row, "9:9", 3, "fail", "newrow")).toEqual({ kind: "new" });
    expect(previousState({ ...ack, id: "r1", source: "list.csv:2", status: "uploaded" }, "9:9", 3, "fail", "r0")).toEqual({ kind: "new" });
    // The same id (or the id with a collision's suffix): the same input, changed.
    expect(previousState(row, "9:9", 3, "fail", "bad")).toEqual({ kind: "reprocess", id: "bad", failures: 0 });
    expect(previousState({ ...row, id: "bad-7dc4afcc" }, "9:9", 3, "fail", "bad")).toEqual({ kind: "reprocess", id: "bad-7dc4afcc", failures: 0 });
    // Unchanged: whatever id it would get now, the record is of it.
    expect(previousState(row, "1:1", 3, "fail", "newrow")).toEqual({ kind: "reprocess", id: "bad", failures: 2 });
  });

  it("sends again an input status found gone from the server, still counting its processing failures", () => {
    const missing = { type: "missing" as const, id: "a", source: "/a", fingerprint: "1:1", run: "r" };
    expect(previousState(missing, "1:1", 3)).toEqual({ kind: "new" });
    expect(previousState({ ...missing, processingFailures: 2 }, "1:1", 3)).toEqual({ kind: "reprocess", id: "a", failures: 2, gone: true });
    expect(previousState({ ...missing, processingFailures: 2 }, "9:9", 3)).toEqual({ kind: "new" });
  });
});
