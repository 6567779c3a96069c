import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputIDConflictResolution } from "../../src/gen/clarifai/api/resources.js";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { inputIdFromKey } from "../../src/server/extraction/input-id.js";
import {
  type Api,
  makeMp4,
  makePng,
  makeWav,
  makeZip,
  PDF,
  startTestServer,
  type TestServer,
  TINY_GIF,
  TINY_JPEG,
  waitFor,
  writeFiles,
} from "../helpers/server.js";

const SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
const KEY_ID = "AKIAIOSFODNN7EXAMPLE";

async function finished(api: Api, id: string) {
  const res = await waitFor(
    () => api.getInputsExtractionJob({ inputsExtractionJobId: id }),
    (r) =>
      r.inputsExtractionJob?.status?.code !== StatusCode.JOB_QUEUED &&
      r.inputsExtractionJob?.status?.code !== StatusCode.JOB_RUNNING,
    15_000,
  );
  const job = res.inputsExtractionJob;
  if (job === undefined) throw new Error("no extraction job");
  return job;
}

async function jobDone(api: Api, id: string) {
  const res = await waitFor(
    () => api.getInputsAddJob({ id }),
    (r) => r.inputsAddJob?.status?.code === StatusCode.JOB_COMPLETED,
    15_000,
  );
  const job = res.inputsAddJob;
  if (job === undefined) throw new Error("no inputs-add job");
  return job;
}

/** Every file the data dir holds, as one buffer (to look for secrets in it). */
async function everyByteOf(dir: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) chunks.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return Buffer.concat(chunks);
}

describe("local server: data sources and extraction jobs", () => {
  let bucketRoot: string;
  let t: TestServer;

  beforeAll(async () => {
    bucketRoot = await mkdtemp(join(tmpdir(), "clarifai-s3-root-"));
    await writeFiles(join(bucketRoot, "bucket"), {
      "images/cat.jpg": TINY_JPEG,
      "images/dog.png": makePng(4, 4, 1),
      "images/clip.mp4": makeMp4(),
      "images/note.txt": "a note about cats",
      "images/sound.wav": makeWav(),
      "images/document.pdf": PDF,
      "images/archive.zip": makeZip([
        { name: "a.png", data: makePng(3, 3, 2), deflate: true },
        { name: "sub/", data: Buffer.alloc(0) },
        { name: "sub/b.gif", data: TINY_GIF },
        { name: "readme.txt", data: Buffer.from("inside the archive"), deflate: true },
        { name: "inner.zip", data: makeZip([{ name: "deep.jpg", data: TINY_JPEG }]) },
      ]),
      "other/elsewhere.jpg": TINY_JPEG,
      "pref/abc1.jpg": TINY_JPEG,
      "pref/abcdir/x.png": makePng(2, 2, 3),
      "pref/abcdir/deeper/y.png": makePng(2, 2, 4),
      "pref/xabc.jpg": TINY_JPEG,
      "pref/ab.jpg": TINY_JPEG,
      "pref/zzz/abc.jpg": TINY_JPEG,
    });
    t = await startTestServer({ s3Root: bucketRoot });
  });
  afterAll(async () => {
    await t.stop();
    await rm(bucketRoot, { recursive: true, force: true });
  });

  it("extracts a bucket folder: all kinds, an archive (nested archive skipped), template applied", async () => {
    await t.api.postDatasets({ datasets: [{ id: "cloud-ds" }] });
    const posted = await t.api.postInputsDataSources({
      dataSources: [
        {
          inputsAddJobId: "cloud-job",
          url: {
            url: "s3://bucket/images/",
            credentials: { s3Creds: { id: KEY_ID, secret: SECRET, region: "us-east-1", token: `${SECRET}-token` } },
          },
          inputTemplate: {
            datasetIds: ["cloud-ds"],
            data: {
              concepts: [{ id: "cat", value: 1 }],
              metadata: { origin: "bucket", n: 7 },
              geo: { geoPoint: { longitude: 2.5, latitude: 48.5 } },
            },
          },
        },
      ],
    });
    expect(posted.status?.code).toBe(StatusCode.SUCCESS);
    expect(posted.inputsAddJobs).toHaveLength(1);
    const job = posted.inputsAddJobs[0];
    expect(job?.id).toBe("cloud-job");
    expect(job?.status?.code).toBe(StatusCode.JOB_QUEUED);
    expect(job?.extractionJobs).toHaveLength(1);
    const queued = job?.extractionJobs[0];
    expect(queued?.status?.code).toBe(StatusCode.JOB_QUEUED);
    expect(queued?.url).toBe("s3://bucket/images/");
    expect(queued?.inputTemplate?.datasetIds).toEqual(["cloud-ds"]);

    const extraction = await finished(t.api, queued?.id ?? "");
    expect(extraction.status?.code).toBe(StatusCode.JOB_COMPLETED);
    expect(extraction.progress).toEqual({
      imageInputsCount: 4,
      videoInputsCount: 1,
      textInputsCount: 2,
      audioInputsCount: 1,
      pendingArchivesCount: 0,
      inProgressArchivesCount: 0,
      completedArchivesCount: 1,
      failedArchivesCount: 1,
    });
    expect(extraction.status?.details).toMatch(/inner\.zip: archives inside archives are not extracted/);
    expect(extraction.status?.details).toMatch(/document\.pdf/);
    expect(extraction.inputTemplate?.data?.metadata).toEqual({ origin: "bucket", n: 7 });

    const done = await jobDone(t.api, "cloud-job");
    expect(done.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 8, failedCount: 1 });
    expect(done.extractionJobs[0]?.status?.code).toBe(StatusCode.JOB_COMPLETED);

    const keys = [
      "bucket/images/cat.jpg",
      "bucket/images/dog.png",
      "bucket/images/clip.mp4",
      "bucket/images/note.txt",
      "bucket/images/sound.wav",
      "bucket/images/archive.zip/a.png",
      "bucket/images/archive.zip/sub/b.gif",
      "bucket/images/archive.zip/readme.txt",
    ];
    const ids = keys.map(inputIdFromKey);
    const listed = await t.api.listInputs({ ids });
    expect(listed.inputs.map((i) => i.id).sort()).toEqual([...ids].sort());
    for (const input of listed.inputs) {
      expect(input.status?.code).toBe(StatusCode.INPUT_SUCCESS);
      expect(input.datasetIds).toEqual(["cloud-ds"]);
      expect(input.data?.metadata).toEqual({ origin: "bucket", n: 7 });
      expect(input.data?.concepts.map((c) => c.id)).toEqual(["cat"]);
      expect(input.data?.geo?.geoPoint).toEqual({ longitude: 2.5, latitude: 48.5 });
    }
    const text = await t.api.getInput({ inputId: inputIdFromKey("bucket/images/archive.zip/readme.txt") });
    expect(text.input?.data?.text?.raw).toBe("inside the archive");
    const png = await t.api.getInput({ inputId: inputIdFromKey("bucket/images/archive.zip/a.png") });
    expect(Buffer.compare(png.input?.data?.image?.base64 ?? Buffer.alloc(0), makePng(3, 3, 2))).toBe(0);
    expect(png.input?.data?.image?.imageInfo?.width).toBe(3);
    const video = await t.api.getInput({ inputId: inputIdFromKey("bucket/images/clip.mp4") });
    expect(video.input?.data?.video?.videoInfo?.videoFormat).toBe("MP4");
    expect((await t.api.getInputCount({})).counts?.processed).toBe(8);
    const dataset = await t.api.getDataset({ datasetId: "cloud-ds" });
    expect(dataset.status?.code).toBe(StatusCode.SUCCESS);
    const annotations = await t.api.listAnnotations({ inputIds: [ids[0] ?? ""] });
    expect(annotations.annotations[0]?.data?.concepts[0]?.id).toBe("cat");

    // Credentials are used for nothing, logged nowhere, stored nowhere.
    const logs = t.logs.join("\n");
    expect(logs).toMatch(/extraction job .*completed/);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain(KEY_ID);
    const stored = await everyByteOf(t.dataDir);
    expect(stored.includes(SECRET)).toBe(false);
    expect(stored.includes(KEY_ID)).toBe(false);
  });

  it("treats the URL as a prefix: abc matches abc* files and abc*/ folders, nothing else", async () => {
    const posted = await t.api.postInputsDataSources({
      dataSources: [{ inputsAddJobId: "prefix-job", url: { url: "s3://bucket/pref/abc" } }],
    });
    expect(posted.status?.code).toBe(StatusCode.SUCCESS);
    const extraction = await finished(t.api, posted.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "");
    expect(extraction.status?.code).toBe(StatusCode.JOB_COMPLETED);
    expect(extraction.progress?.imageInputsCount).toBe(3);
    const expected = ["bucket/pref/abc1.jpg", "bucket/pref/abcdir/deeper/y.png", "bucket/pref/abcdir/x.png"].map(
      inputIdFromKey,
    );
    for (const id of expected) expect((await t.api.getInput({ inputId: id })).status?.code).toBe(StatusCode.SUCCESS);
    for (const key of ["bucket/pref/xabc.jpg", "bucket/pref/ab.jpg", "bucket/pref/zzz/abc.jpg"]) {
      const absent = await t.api.getInput({ inputId: inputIdFromKey(key) });
      expect(absent.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    }
    // A prefix that matches nothing completes with nothing; a missing bucket fails.
    const none = await t.api.postInputsDataSources({
      dataSources: [{ url: { url: "s3://bucket/pref/nothing-here" } }],
    });
    const empty = await finished(t.api, none.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "");
    expect(empty.status?.code).toBe(StatusCode.JOB_COMPLETED);
    expect(empty.progress?.imageInputsCount).toBe(0);
    const missing = await t.api.postInputsDataSources({ dataSources: [{ url: { url: "s3://no-such-bucket/x/" } }] });
    const failed = await finished(t.api, missing.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "");
    expect(failed.status?.code).toBe(StatusCode.JOB_FAILED);
    expect(failed.status?.description).toBe("Job failed: bucket 'no-such-bucket' does not exist");
    expect((await jobDone(t.api, missing.inputsAddJobs[0]?.id ?? "")).progress?.successCount).toBe(0);
  });

  it("reads file:// URLs, a folder or a single archive", async () => {
    const local = await mkdtemp(join(tmpdir(), "clarifai-file-source-"));
    try {
      await writeFiles(local, {
        "photos/one.jpg": TINY_JPEG,
        "photos/two.png": makePng(2, 2, 9),
        "bundle.zip": makeZip([{ name: "z.jpg", data: TINY_JPEG }]),
      });
      const folderUrl = `${pathToFileURL(join(local, "photos")).href}/`;
      const archiveUrl = pathToFileURL(join(local, "bundle.zip")).href;
      const posted = await t.api.postInputsDataSources({
        dataSources: [
          { inputsAddJobId: "file-job", url: { url: folderUrl } },
          { inputsAddJobId: "file-job", url: { url: archiveUrl } },
        ],
      });
      expect(posted.status?.code).toBe(StatusCode.SUCCESS);
      expect(posted.inputsAddJobs).toHaveLength(1);
      expect(posted.inputsAddJobs[0]?.extractionJobs.map((e) => e.url)).toEqual([folderUrl, archiveUrl]);
      const [folder, archive] = posted.inputsAddJobs[0]?.extractionJobs ?? [];
      expect((await finished(t.api, folder?.id ?? "")).progress?.imageInputsCount).toBe(2);
      const zip = await finished(t.api, archive?.id ?? "");
      expect(zip.progress?.imageInputsCount).toBe(1);
      expect(zip.progress?.completedArchivesCount).toBe(1);
      const done = await jobDone(t.api, "file-job");
      expect(done.progress?.successCount).toBe(3);
      const key = `${join(local, "bundle.zip").replace(/^\/+/, "")}/z.jpg`;
      const entry = await t.api.getInput({ inputId: inputIdFromKey(key) });
      expect(entry.input?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
    } finally {
      await rm(local, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot read, creating nothing", async () => {
    const before = (await t.api.listInputsExtractionJobs({ perPage: 1000 })).inputsExtractionJobs.length;
    const cases: [string, StatusCode, RegExp][] = [
      ["gs://bucket/images/", StatusCode.INPUT_INVALID_URL, /--gs-root/],
      ["https://acct.blob.core.windows.net/container/dir/", StatusCode.INPUT_INVALID_URL, /Azure/],
      ["https://example.com/data.zip", StatusCode.INPUT_INVALID_URL, /not a data source/],
      ["s3://bucket/../outside/", StatusCode.INPUT_INVALID_URL, /'\.\.'/],
      ["not a url", StatusCode.INPUT_INVALID_URL, /not a URL/],
    ];
    for (const [url, code, details] of cases) {
      const res = await t.api.postInputsDataSources({
        dataSources: [{ url: { url: "s3://bucket/images/" } }, { url: { url } }],
      });
      expect(res.status?.code, url).toBe(code);
      expect(res.status?.details, url).toMatch(details);
      expect(res.inputsAddJobs).toHaveLength(0);
    }
    const noSources = await t.api.postInputsDataSources({ dataSources: [] });
    expect(noSources.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    const badTemplate = await t.api.postInputsDataSources({
      dataSources: [{ url: { url: "s3://bucket/images/" }, inputTemplate: { datasetIds: ["no-such-dataset"] } }],
    });
    expect(badTemplate.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    expect(badTemplate.status?.details).toMatch(/no-such-dataset/);
    const badJob = await t.api.postInputsDataSources({
      dataSources: [{ inputsAddJobId: "bad id!", url: { url: "s3://bucket/images/" } }],
    });
    expect(badJob.status?.code).toBe(StatusCode.INPUT_INVALID_ARGUMENT);
    const after = (await t.api.listInputsExtractionJobs({ perPage: 1000 })).inputsExtractionJobs.length;
    expect(after).toBe(before);
  });

  it("extracting the same source again skips the existing ids (counted failed), or suffixes them", async () => {
    const skip = await t.api.postInputsDataSources({
      dataSources: [{ inputsAddJobId: "again-skip", url: { url: "s3://bucket/pref/abc1" } }],
    });
    const skipped = await finished(t.api, skip.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "");
    expect(skipped.status?.code).toBe(StatusCode.JOB_COMPLETED);
    expect(skipped.progress?.imageInputsCount).toBe(0);
    expect(skipped.status?.details).toMatch(/1 skipped: an input with the same id already exists/);
    const skipJob = await jobDone(t.api, "again-skip");
    expect(skipJob.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 0, failedCount: 1 });

    const suffix = await t.api.postInputsDataSources({
      dataSources: [
        {
          inputsAddJobId: "again-suffix",
          url: { url: "s3://bucket/pref/abc1" },
          inputIdConflictResolution: InputIDConflictResolution.SUFFIX,
        },
      ],
    });
    const suffixed = await finished(t.api, suffix.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "");
    expect(suffixed.progress?.imageInputsCount).toBe(1);
    expect((await jobDone(t.api, "again-suffix")).progress?.successCount).toBe(1);
    const id = `${inputIdFromKey("bucket/pref/abc1.jpg")}-1`;
    expect((await t.api.getInput({ inputId: id })).input?.status?.code).toBe(StatusCode.INPUT_SUCCESS);
  });

  it("gets, lists (paged, newest first) and answers unknown ids", async () => {
    const all = (await t.api.listInputsExtractionJobs({ perPage: 1000 })).inputsExtractionJobs;
    expect(all.length).toBeGreaterThanOrEqual(6);
    const created = all.map((j) => j.createdAt?.getTime() ?? 0);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const page1 = await t.api.listInputsExtractionJobs({ perPage: 2, page: 1 });
    const page2 = await t.api.listInputsExtractionJobs({ perPage: 2, page: 2 });
    expect(page1.inputsExtractionJobs.map((j) => j.id)).toEqual(all.slice(0, 2).map((j) => j.id));
    expect(page2.inputsExtractionJobs.map((j) => j.id)).toEqual(all.slice(2, 4).map((j) => j.id));
    const one = await t.api.getInputsExtractionJob({ inputsExtractionJobId: all[0]?.id ?? "" });
    expect(one.inputsExtractionJob?.id).toBe(all[0]?.id);
    const unknown = await t.api.getInputsExtractionJob({ inputsExtractionJobId: "nope" });
    expect(unknown.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const listedJobs = await t.api.listInputsAddJobs({ perPage: 1000 });
    const cloud = listedJobs.inputsAddJobs.find((j) => j.id === "cloud-job");
    expect(cloud?.extractionJobs).toHaveLength(1);
    const cancelNone = await t.api.cancelInputsExtractionJobs({ ids: [] });
    expect(cancelNone.status?.code).toBe(StatusCode.CONN_INVALID_REQUEST);
    const cancelUnknown = await t.api.cancelInputsExtractionJobs({ ids: [all[0]?.id ?? "", "nope"] });
    expect(cancelUnknown.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const cancelDone = await t.api.cancelInputsExtractionJobs({ ids: [all[0]?.id ?? ""] });
    expect(cancelDone.status?.code).toBe(StatusCode.SUCCESS);
    expect(cancelDone.inputsExtractionJobs[0]?.status?.code).toBe(all[0]?.status?.code);
  });
});

describe("local server: extraction jobs that are cancelled or interrupted", () => {
  let bucketRoot: string;
  let t: TestServer;
  const many: Record<string, Buffer> = {};
  for (let i = 0; i < 12; i++) many[`slow/img-${String(i).padStart(2, "0")}.png`] = makePng(2, 2, i);

  beforeAll(async () => {
    bucketRoot = await mkdtemp(join(tmpdir(), "clarifai-s3-root-"));
    await writeFiles(join(bucketRoot, "b"), {
      ...many,
      "slow/zz-archive.zip": makeZip(
        Array.from({ length: 6 }, (_, i) => ({ name: `entry-${i}.png`, data: makePng(2, 2, 100 + i) })),
      ),
    });
    t = await startTestServer({ s3Root: bucketRoot, extractionDelayMs: 60 });
  });
  afterAll(async () => {
    await t.stop();
    await rm(bucketRoot, { recursive: true, force: true });
  });

  it("CancelInputsExtractionJobs stops a running job between files; what it created is processed", async () => {
    const posted = await t.api.postInputsDataSources({
      dataSources: [{ inputsAddJobId: "to-cancel", url: { url: "s3://b/slow/" } }],
    });
    const id = posted.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "";
    await waitFor(
      () => t.api.getInputsExtractionJob({ inputsExtractionJobId: id }),
      (r) => (r.inputsExtractionJob?.progress?.imageInputsCount ?? 0) >= 2,
      10_000,
    );
    const running = await t.api.getInputsAddJob({ id: "to-cancel" });
    expect(running.inputsAddJob?.status?.code).toBe(StatusCode.JOB_RUNNING);
    const cancelled = await t.api.cancelInputsExtractionJobs({ ids: [id] });
    expect(cancelled.status?.code).toBe(StatusCode.SUCCESS);
    expect(cancelled.inputsExtractionJobs[0]?.status?.code).toBe(StatusCode.JOB_CANCELLED);
    const count = cancelled.inputsExtractionJobs[0]?.progress?.imageInputsCount ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 300));
    const later = await t.api.getInputsExtractionJob({ inputsExtractionJobId: id });
    expect(later.inputsExtractionJob?.status?.code).toBe(StatusCode.JOB_CANCELLED);
    expect(later.inputsExtractionJob?.progress?.imageInputsCount).toBe(count);
    expect(count).toBeLessThan(12);
    const job = await jobDone(t.api, "to-cancel");
    expect(job.progress?.successCount).toBe(count);
    expect(job.extractionJobs[0]?.status?.code).toBe(StatusCode.JOB_CANCELLED);
  });

  it("CancelInputsAddJob cancels its running extraction job", async () => {
    const posted = await t.api.postInputsDataSources({
      dataSources: [{ inputsAddJobId: "cancel-all", url: { url: "s3://b/slow/" } }],
    });
    const id = posted.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "";
    await waitFor(
      () => t.api.getInputsExtractionJob({ inputsExtractionJobId: id }),
      (r) => r.inputsExtractionJob?.status?.code === StatusCode.JOB_RUNNING,
      10_000,
    );
    const res = await t.api.cancelInputsAddJob({ id: "cancel-all" });
    expect(res.inputsAddJob?.status?.code).toBe(StatusCode.JOB_CANCELLED);
    expect(res.inputsAddJob?.extractionJobs[0]?.status?.code).toBe(StatusCode.JOB_CANCELLED);
  });

  it("a job interrupted by a stop resumes after the restart; every input is created once", async () => {
    const posted = await t.api.postInputsDataSources({
      dataSources: [
        {
          inputsAddJobId: "resumed",
          url: { url: "s3://b/slow/" },
          inputIdConflictResolution: InputIDConflictResolution.SUFFIX,
          inputTemplate: { data: { metadata: { run: "resume" } } },
        },
      ],
    });
    const id = posted.inputsAddJobs[0]?.extractionJobs[0]?.id ?? "";
    // Stop in the middle of the archive (its entries come after the 12 images).
    await waitFor(
      () => t.api.getInputsExtractionJob({ inputsExtractionJobId: id }),
      (r) => (r.inputsExtractionJob?.progress?.imageInputsCount ?? 0) >= 14,
      15_000,
    );
    await t.restart({ extractionDelayMs: 0 });
    expect(t.logs.some((line) => /resuming 1 extraction job/.test(line))).toBe(true);
    const extraction = await finished(t.api, id);
    expect(extraction.status?.code).toBe(StatusCode.JOB_COMPLETED);
    expect(extraction.progress?.imageInputsCount).toBe(18);
    expect(extraction.progress?.completedArchivesCount).toBe(1);
    expect(extraction.progress?.inProgressArchivesCount).toBe(0);
    expect(extraction.progress?.pendingArchivesCount).toBe(0);
    const job = await jobDone(t.api, "resumed");
    expect(job.progress).toEqual({ pendingCount: 0, inProgressCount: 0, successCount: 18, failedCount: 0 });
    const mine = (await t.api.listInputs({ perPage: 1000 })).inputs.filter((i) => i.data?.metadata?.run === "resume");
    expect(mine).toHaveLength(18);
    expect(new Set(mine.map((i) => i.id)).size).toBe(18);
  });
});
