import { describe, expect, it } from "vitest";
import { Region } from "../../../src/gen/clarifai/api/resources.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import type { PlannedInput } from "../../../src/plan/batcher.js";
import { annotationsOf, postAnnotations } from "../../../src/upload/annotations.js";
import { callerOver, fakeClient, statusOf } from "../../helpers/fake-client.js";

const box = (left: number, concept = "cat"): Region => Region.fromPartial({ regionInfo: { boundingBox: { topRow: 0, leftCol: left, bottomRow: 0.5, rightCol: left + 0.25 } }, data: { concepts: [{ id: concept, name: concept, value: 1 }] } });
const input = (id: string, regions: Region[]): PlannedInput => ({ id, regions }) as unknown as PlannedInput;

describe("annotation ids", () => {
  it("come from the input and the region itself: the same region, the same id; another region or a repeat, another", () => {
    const [a, b, repeat] = annotationsOf(input("in-1", [box(0), box(0.5), box(0)])).map((annotation) => annotation.id);
    expect(new Set([a, b, repeat]).size).toBe(3);
    // A second file's regions, or the same ones in another order: each keeps the id of what it is.
    expect(annotationsOf(input("in-1", [box(0.5), box(0)])).map((annotation) => annotation.id)).toEqual([b, a]);
    expect(annotationsOf(input("in-1", [box(0, "dog")]))[0]?.id).not.toBe(a);
    expect(annotationsOf(input("in-2", [box(0)]))[0]?.id).not.toBe(a);
  });
});

describe("posting annotations", () => {
  it("counts a region found there as present only by its own answer, and tells a refusal from a failure that may pass", async () => {
    const annotations = annotationsOf(input("in-1", [box(0), box(0.25), box(0.5), box(0.75)]));
    const [stored, there, refused, unanswered] = annotations.map((annotation) => annotation.id);
    const client = fakeClient({
      call: () => ({
        status: statusOf(StatusCode.MIXED_STATUS, "already exists"),
        annotations: [
          { id: stored, status: statusOf(StatusCode.ANNOTATION_SUCCESS) },
          { id: there, status: statusOf(StatusCode.ANNOTATION_INVALID_ARGUMENT, "annotation already exists") },
          { id: refused, status: statusOf(StatusCode.ANNOTATION_INVALID_ARGUMENT, "bad region") },
        ],
      }),
    });
    const outcome = await postAnnotations(callerOver(client), annotations);
    expect(outcome.posted).toBe(1);
    expect(outcome.present).toBe(1);
    expect(outcome.failed.map((failure) => [failure.message.includes(String(refused)) ? "refused" : failure.message.includes(String(unanswered)) ? "unanswered" : "?", failure.transient])).toEqual([
      ["refused", false],
      ["unanswered", true],
    ]);
  });
});
