import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Upload } from "../../src/gen/clarifai/api/resources.js";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { inputIdFromKey } from "../../src/server/extraction/input-id.js";
import {
  type Api,
  makePng,
  makeWav,
  makeZip,
  startTestServer,
  type TestServer,
  TINY_JPEG,
  waitFor,
} from "../helpers/server.js";

/** What GetUpload's status.developer_notes hold. */
interface UploadProgress {
  content_length: number;
  received_bytes: number;
  received_parts: number[];
  missing_ranges: [number, number][];
}

function progressOf(upload: Upload | undefined): UploadProgress {
  return JSON.parse(upload?.status?.developerNotes ?? "{}") as UploadProgress;
}

const ENTRIES = [
  ...Array.from({ length: 10 }, (_, i) => ({ name: `photos/p${i}.png`, data: makePng(6, 6, i), deflate: i % 2 === 0 })),
  { name: "photos/", data: Buffer.alloc(0) },
  { name: "cover.jpg", data: TINY_JPEG },
  { name: "notes/about.txt", data: Buffer.from("what these photos are"), deflate: true },
  { name: "sound.wav", data: makeWav(400) },
  { name: "nested.zip", data: makeZip([{ name: "hidden.jpg", data: TINY_JPEG }]) },
];
const CREATED = ENTRIES.filter((e) => !e.name.endsWith("/") && e.name !== "nested.zip");
const ARCHIVE = makeZip(ENTRIES);
const PART_SIZE = 512;

function parts(archive: Buffer): { partNumber: number; rangeStart: number; data: Buffer }[] {
  const out: { partNumber: number; rangeStart: number; data: Buffer }[] = [];
  for (let start = 0, n = 1; start < archive.length; start += PART_SIZE, n++) {
    out.push({ partNumber: n, rangeStart: start, data: archive.subarray(start, start + PART_SIZE) });
  }
  return out;
}

async function createUpload(api: Api, jobId: string, name: string, length: number): Promise<string> {
  const res = await api.postInputsUploads({
    inputsUploads: [
      {
        inputsAddJobId: jobId,
        upload: { contentName: name, contentLength: length },
        inputTemplate: {
          datasetIds: ["zips"],
          data: { concepts: [{ id: "holiday", value: 1 }], metadata: { from: name } },
        },
      },
    ],
  });
  expect(res.status?.code).toBe(StatusCode.SUCCESS);
  const job = res.inputsAddJobs[0];
  expect(job?.id).toBe(jobId);
  expect(job?.status?.code).toBe(StatusCode.JOB_QUEUED);
  expect(job?.uploads).toHaveLength(1);
  const upload = job?.uploads[0];
  expect(upload?.status?.code).toBe(StatusCode.UPLOAD_IN_PROGRESS);
  expect(upload?.contentName).toBe(name);
  expect(upload?.contentLength).toBe(length);
  return upload?.id ?? "";
}

async function expectExtracted(api: Api, jobId: string, name: string): Promise<void> {
  const done = await waitFor(
    () => api.getInputsAddJob({ id: jobId }),
    (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    15_000,
  );
  const job = done.inputsAddJob;
  expect(job?.uploads[0]?.status?.code).toBe(StatusCode.UPLOAD_DONE);
  expect(job?.extractionJobs).toHaveLength(1);
  const extraction = job?.extractionJobs[0];
  expect(extraction?.status?.code).toBe(StatusCode.JOB_COMPLETED);
  expect(extraction?.progress).toEqual({
    imageInputsCount: 11,
    videoInputsCount: 0,
    textInputsCount: 1,
    audioInputsCount: 1,
    pendingArchivesCount: 0,
    inProgressArchivesCount: 0,
    completedArchivesCount: 1,
    failedArchivesCount: 1,
  });
  expect(job?.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: CREATED.length, failedCount: 0 });
  const ids = CREATED.map((e) => inputIdFromKey(`${name}/${e.name}`));
  const listed = await api.listInputs({ ids, perPage: 1000 });
  expect(listed.inputs.map((i) => i.id).sort()).toEqual([...ids].sort());
  for (const input of listed.inputs) {
    expect(input.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    expect(input.datasetIds).toEqual(["zips"]);
    expect(input.data?.metadata).toEqual({ from: name });
  }
  const mine = (await api.listInputs({ perPage: 1000 })).inputs.filter((i) => i.data?.metadata?.from === name);
  expect(mine).toHaveLength(CREATED.length);
  const cover = await api.getInput({ inputId: inputIdFromKey(`${name}/cover.jpg`) });
  expect(Buffer.compare(cover.input?.data?.image?.base64 ?? Buffer.alloc(0), TINY_JPEG)).toBe(0);
}

describe("local server: archive uploads", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.api.postDatasets({ datasets: [{ id: "zips" }] });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("parts sent out of order, one twice, complete the upload; every entry becomes one input", async () => {
    expect(ARCHIVE.length).toBeGreaterThan(PART_SIZE * 4);
    const id = await createUpload(t.api, "zip-job", "holiday.zip", ARCHIVE.length);
    const all = parts(ARCHIVE);
    const order = [...all].reverse();
    const repeated = all[1];
    if (repeated === undefined) throw new Error("too few parts");
    order.splice(2, 0, repeated);
    let last: Upload | undefined;
    for (const [i, part] of order.entries()) {
      const res = await t.api.putUploadContentParts({ uploadId: id, contentParts: [part] });
      expect(res.status?.code, `part ${part.partNumber}`).toBe(StatusCode.SUCCESS);
      last = res.upload;
      if (i < order.length - 1) expect(res.upload?.status?.code).toBe(StatusCode.UPLOAD_IN_PROGRESS);
    }
    expect(last?.status?.code).toBe(StatusCode.UPLOAD_DONE);
    expect(last?.status?.percentCompleted).toBe(100);
    expect(progressOf(last).received_parts).toEqual(all.map((p) => p.partNumber));
    await expectExtracted(t.api, "zip-job", "holiday.zip");
    // Parts sent again after the end are ignored.
    const again = await t.api.putUploadContentParts({ uploadId: id, contentParts: [all[0] ?? repeated] });
    expect(again.status?.code).toBe(StatusCode.SUCCESS);
    expect(again.upload?.status?.code).toBe(StatusCode.UPLOAD_DONE);
    // The archive and its parts are gone once extracted.
    await waitFor(
      () => readdir(join(t.dataDir, "uploads")),
      (dirs) => dirs.length === 0,
    );
  });

  it("GetUpload says which parts and bytes are there; bad and conflicting parts are refused", async () => {
    const length = 3000;
    const bytes = Buffer.alloc(length, 7);
    const id = await createUpload(t.api, "partial-job", "partial.zip", length);
    const put = (partNumber: number, rangeStart: number, data: Buffer) =>
      t.api.putUploadContentParts({ uploadId: id, contentParts: [{ partNumber, rangeStart, data }] });
    expect((await put(1, 0, bytes.subarray(0, 1000))).status?.code).toBe(StatusCode.SUCCESS);
    expect((await put(3, 2000, bytes.subarray(2000, 2500))).status?.code).toBe(StatusCode.SUCCESS);
    const got = await t.api.getUpload({ uploadId: id });
    expect(got.status?.code).toBe(StatusCode.SUCCESS);
    expect(got.upload?.status?.code).toBe(StatusCode.UPLOAD_IN_PROGRESS);
    expect(got.upload?.contentLength).toBe(length);
    expect(got.upload?.status?.percentCompleted).toBe(50);
    expect(progressOf(got.upload)).toEqual({
      content_length: length,
      received_bytes: 1500,
      received_parts: [1, 3],
      missing_ranges: [
        [1000, 2000],
        [2500, 3000],
      ],
    });
    expect(got.upload?.status?.details).toBe(
      "received parts 1,3: 1500 of 3000 bytes; missing bytes 1000-1999, 2500-2999",
    );

    const beyond = await put(9, 2900, Buffer.alloc(200, 7));
    expect(beyond.status?.code).toBe(StatusCode.CONN_INVALID_REQUEST);
    expect(beyond.status?.details).toMatch(/beyond the upload's content_length/);
    expect((await put(0, 0, Buffer.alloc(1))).status?.code).toBe(StatusCode.CONN_INVALID_REQUEST);
    const changed = await put(1, 0, Buffer.alloc(1000, 8));
    expect(changed.status?.code).toBe(StatusCode.UPLOAD_CONFLICT);
    expect(changed.status?.details).toMatch(/part 1 was received before/);
    const overlapping = await put(4, 900, Buffer.alloc(200, 9));
    expect(overlapping.status?.code).toBe(StatusCode.UPLOAD_CONFLICT);
    expect(overlapping.status?.details).toMatch(/differs from part 1/);
    const consistent = await put(5, 900, bytes.subarray(900, 1100));
    expect(consistent.status?.code).toBe(StatusCode.SUCCESS);
    expect(progressOf(consistent.upload).received_bytes).toBe(1600);

    const unknown = await t.api.getUpload({ uploadId: "no-such-upload" });
    expect(unknown.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const unknownPut = await t.api.putUploadContentParts({ uploadId: "no-such-upload", contentParts: [] });
    expect(unknownPut.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);

    // Cancelling the job cancels the upload; it takes no more parts.
    const cancelled = await t.api.cancelInputsAddJob({ id: "partial-job" });
    expect(cancelled.inputsAddJob?.status?.code).toBe(StatusCode.JOB_CANCELLED);
    expect(cancelled.inputsAddJob?.uploads[0]?.status?.code).toBe(StatusCode.UPLOAD_CANCELED);
    const refused = await put(2, 1000, bytes.subarray(1000, 2000));
    expect(refused.status?.code).toBe(StatusCode.UPLOAD_CANCELED);
  });

  it("refuses uploads without a length, with a used id or an unknown dataset", async () => {
    const none = await t.api.postInputsUploads({ inputsUploads: [] });
    expect(none.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    const noLength = await t.api.postInputsUploads({ inputsUploads: [{ upload: { contentName: "x.zip" } }] });
    expect(noLength.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    expect(noLength.status?.details).toMatch(/content_length/);
    const first = await t.api.postInputsUploads({ inputsUploads: [{ upload: { id: "fixed-id", contentLength: 10 } }] });
    expect(first.status?.code).toBe(StatusCode.SUCCESS);
    expect(first.inputsAddJobs[0]?.uploads[0]?.id).toBe("fixed-id");
    const reused = await t.api.postInputsUploads({
      inputsUploads: [{ upload: { id: "fixed-id", contentLength: 10 } }],
    });
    expect(reused.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    const badDataset = await t.api.postInputsUploads({
      inputsUploads: [{ upload: { contentLength: 10 }, inputTemplate: { datasetIds: ["nope"] } }],
    });
    expect(badDataset.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
  });
});

describe("local server: an upload interrupted by a restart", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.api.postDatasets({ datasets: [{ id: "zips" }] });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("keeps its parts; the remaining parts complete it", async () => {
    const id = await createUpload(t.api, "restart-job", "trip.zip", ARCHIVE.length);
    const all = parts(ARCHIVE);
    const half = Math.floor(all.length / 2);
    const sent = await t.api.putUploadContentParts({ uploadId: id, contentParts: all.slice(0, half) });
    expect(sent.status?.code).toBe(StatusCode.SUCCESS);
    expect(sent.upload?.status?.code).toBe(StatusCode.UPLOAD_IN_PROGRESS);

    await t.restart();

    const got = await t.api.getUpload({ uploadId: id });
    expect(got.upload?.status?.code).toBe(StatusCode.UPLOAD_IN_PROGRESS);
    const progress = progressOf(got.upload);
    expect(progress.received_parts).toEqual(all.slice(0, half).map((p) => p.partNumber));
    expect(progress.missing_ranges).toEqual([[half * PART_SIZE, ARCHIVE.length]]);
    const job = await t.api.getInputsAddJob({ id: "restart-job" });
    expect(job.inputsAddJob?.status?.code).toBe(StatusCode.JOB_QUEUED);

    // Resume from the first missing byte, as a client does from GetUpload.
    const next = all.filter((p) => p.rangeStart >= (progress.missing_ranges[0]?.[0] ?? 0));
    for (const part of next) {
      const res = await t.api.putUploadContentParts({ uploadId: id, contentParts: [part] });
      expect(res.status?.code).toBe(StatusCode.SUCCESS);
    }
    await expectExtracted(t.api, "restart-job", "trip.zip");
  });
});
