/**
 * The events of one real run that met every case: settled from the job log, refused,
 * left out by the transform, uploaded, present, kept, in conflict, failed, a batch, and
 * `--wait` finding one input processed and another failed.
 */
import { digestOf } from "../../src/upload/content-digest.js";
import type { UploadEvent } from "../../src/upload/events.js";
import { inputEventOf, textCandidate } from "./upload-stage.js";

export const candidates = {
  same: textCandidate("same"),
  keptBefore: textCandidate("keptBefore"),
  gaveUp: textCandidate("gaveUp"),
  empty: textCandidate("empty", { text: "" }),
  cut: textCandidate("cut"),
  up: textCandidate("up", { text: "uploaded!!!" }),
  again: textCandidate("again", { text: "sent again" }),
  dup: textCandidate("dup"),
  kept: textCandidate("kept"),
  clash: textCandidate("clash"),
  lost: textCandidate("lost"),
};

const digest = (name: keyof typeof candidates): string => {
  const { content } = candidates[name];
  return digestOf(content.kind === "text" ? content.text : "");
};

/** A row of a URL list that its source refused: no candidate, no id. */
export const badRow = "/data/list.csv:3";

const { same, keptBefore, gaveUp, empty, cut, up, again, dup, kept, clash, lost } = candidates;

export const runEvents: UploadEvent[] = [
  ...Object.values(candidates).map((candidate): UploadEvent => ({ type: "discovered", source: candidate.source })),
  { type: "discovered", source: badRow },
  { type: "input", source: badRow, status: "rejected", reason: "invalid_url", message: `${badRow}: not a URL`, bytes: 0 },
  { type: "skipped", id: "same", source: same.source },
  inputEventOf(keptBefore, { status: "kept", reason: "unchanged_since_last_run", candidate: undefined, fromLog: true }),
  inputEventOf(gaveUp, { status: "failed", reason: "processing_failed", message: "gave up", fromLog: true }),
  inputEventOf(empty, { status: "rejected", reason: "empty", message: "/data/empty.txt: no content" }),
  inputEventOf(cut, { status: "skipped", reason: "transform_skipped", message: "/data/cut.txt: the transform left it out", candidate: undefined }),
  { type: "warning", source: up.source, message: "a warning" },
  { type: "walk_done", discovered: 12 },
  inputEventOf(up, { status: "uploaded", bytes: 11, digest: digest("up"), batch: 1 }),
  inputEventOf(again, { status: "uploaded", bytes: 10, digest: digest("again"), processingFailures: 1, batch: 1 }),
  inputEventOf(dup, { status: "present", digest: digest("dup"), batch: 1 }),
  inputEventOf(kept, { status: "kept", reason: "id_conflict", digest: digest("kept"), batch: 1 }),
  inputEventOf(clash, { status: "conflict", reason: "id_conflict", message: "/data/clash.txt: id clash holds other content", digest: digest("clash"), batch: 1 }),
  inputEventOf(lost, { status: "failed", reason: "retries_exhausted", message: "/data/lost.txt: gave up after 3 retries", digest: digest("lost"), batch: 1 }),
  { type: "retry", message: "PostInputs: unavailable", attempt: 1, delayMs: 0 },
  { type: "annotations", posted: 3 },
  { type: "batch", seq: 1, inputs: 6, bytes: 6200, addJob: "job-1" },
  { type: "annotation_failed", source: up.source, message: "bad box" },
  { type: "annotation_file", source: "/data/labels.json" },
  { type: "not_sent", inputs: 4 },
  { type: "unconfirmed", inputs: 2 },
  { type: "processing", pending: 0, inProgress: 0, success: 1, failed: 1 },
  inputEventOf(again, {
    status: "failed",
    reason: "processing_failed",
    message: "/data/again.txt: input again failed processing",
    digest: digest("again"),
    processingFailures: 1,
    processing: { code: 30002, description: "could not decode", attempts: 2 },
  }),
  { type: "processed", id: "up", source: up.source },
];

export { digest as digestOfCandidate };
