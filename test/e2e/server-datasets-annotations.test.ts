import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { startTestServer, type TestServer, TINY_JPEG } from "../helpers/server.js";
import { maskPng } from "../../src/sources/labels/mask-png.js";

/** A 2 x 1 greyscale PNG: one pixel in the mask, one out. */
const tinyMaskPng = maskPng({ height: 1, width: 2, counts: [0, 1, 1] });

describe("local server: datasets", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.stop();
  });

  it("PostDatasets, GetDataset, ListDatasets", async () => {
    const created = await t.api.postDatasets({
      datasets: [
        { id: "ds-a", description: "first", metadata: { owner: "me" } },
        { id: "ds-b", notes: "second" },
      ],
    });
    expect(created.status?.code).toBe(StatusCode.SUCCESS);
    expect(created.datasets.map((d) => d.id)).toEqual(["ds-a", "ds-b"]);
    expect(created.datasets[0]).toMatchObject({ userId: "tester", appId: "test-app", metadata: { owner: "me" } });
    const got = await t.api.getDataset({ datasetId: "ds-a" });
    expect(got.dataset).toMatchObject({ id: "ds-a", description: "first" });
    expect(got.dataset?.createdAt).toBeInstanceOf(Date);
    const missing = await t.api.getDataset({ datasetId: "nope" });
    expect(missing.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const list = await t.api.listDatasets({});
    expect(list.datasets.map((d) => d.id)).toEqual(["ds-b", "ds-a"]);
    const page2 = await t.api.listDatasets({ page: 2, perPage: 1 });
    expect(page2.datasets.map((d) => d.id)).toEqual(["ds-a"]);
  });

  it("PostDatasets refuses an existing, repeated or invalid id and creates nothing", async () => {
    const exists = await t.api.postDatasets({ datasets: [{ id: "ds-c" }, { id: "ds-a" }] });
    expect(exists.status?.code).toBe(StatusCode.FAILURE);
    expect(exists.status?.description).toMatch(/'ds-a' already exists/);
    expect((await t.api.getDataset({ datasetId: "ds-c" })).status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const repeated = await t.api.postDatasets({ datasets: [{ id: "ds-d" }, { id: "ds-d" }] });
    expect(repeated.status?.code).toBe(StatusCode.FAILURE);
    const invalid = await t.api.postDatasets({ datasets: [{ id: "no spaces" }] });
    expect(invalid.status?.code).toBe(StatusCode.FAILURE);
    expect(invalid.status?.description).toMatch(/not a valid id/);
  });

  it("PostDatasetInputs adds existing inputs; unknown dataset or input -> CONN_DOES_NOT_EXIST", async () => {
    await t.api.postInputs({
      inputs: [
        { id: "m-1", datasetIds: ["ds-a"], data: { text: { raw: "one" } } },
        { id: "m-2", data: { text: { raw: "two" } } },
      ],
    });
    const added = await t.api.postDatasetInputs({
      datasetId: "ds-b",
      datasetInputs: [{ input: { id: "m-1" } }, { input: { id: "m-2" } }],
    });
    expect(added.status?.code).toBe(StatusCode.SUCCESS);
    expect(added.datasetInputs.map((d) => d.input?.id)).toEqual(["m-1", "m-2"]);
    const again = await t.api.postDatasetInputs({ datasetId: "ds-b", datasetInputs: [{ input: { id: "m-1" } }] });
    expect(again.status?.code).toBe(StatusCode.SUCCESS);
    const m1 = await t.api.getInput({ inputId: "m-1" });
    expect(m1.input?.datasetIds.sort()).toEqual(["ds-a", "ds-b"]);
    const noDataset = await t.api.postDatasetInputs({ datasetId: "nope", datasetInputs: [{ input: { id: "m-1" } }] });
    expect(noDataset.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    const noInput = await t.api.postDatasetInputs({
      datasetId: "ds-a",
      datasetInputs: [{ input: { id: "m-2" } }, { input: { id: "ghost" } }],
    });
    expect(noInput.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    expect(noInput.status?.details).toMatch(/'ghost'/);
    expect((await t.api.getInput({ inputId: "m-2" })).input?.datasetIds).toEqual(["ds-b"]);
  });
});

describe("local server: annotations", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await t.api.postInputs({
      inputs: [
        { id: "photo", data: { image: { base64: TINY_JPEG } } },
        { id: "photo-2", data: { image: { base64: TINY_JPEG } } },
      ],
    });
  });
  afterAll(async () => {
    await t.stop();
  });

  it("PostAnnotations stores boxes, polygons and concepts; ListAnnotations filters by input", async () => {
    const res = await t.api.postAnnotations({
      annotations: [
        {
          id: "box",
          inputId: "photo",
          data: {
            regions: [
              {
                regionInfo: { boundingBox: { topRow: 0.1, leftCol: 0.2, bottomRow: 0.6, rightCol: 0.9 } },
                data: { concepts: [{ id: "dog", value: 1 }] },
              },
            ],
          },
        },
        {
          inputId: "photo",
          data: {
            regions: [
              {
                regionInfo: {
                  polygon: {
                    points: [
                      { row: 0.1, col: 0.1 },
                      { row: 0.2, col: 0.8 },
                      { row: 0.9, col: 0.5 },
                    ],
                  },
                },
              },
            ],
          },
        },
        { id: "label", inputId: "photo-2", data: { concepts: [{ id: "cat", name: "cat", value: 1 }] } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.SUCCESS);
    expect(res.annotations.map((a) => a.status?.code)).toEqual([
      StatusCode.ANNOTATION_SUCCESS,
      StatusCode.ANNOTATION_SUCCESS,
      StatusCode.ANNOTATION_SUCCESS,
    ]);
    expect(res.annotations[1]?.id).toMatch(/^[0-9a-f]{32}$/);
    const forPhoto = await t.api.listAnnotations({ inputIds: ["photo"] });
    expect(forPhoto.annotations).toHaveLength(2);
    const box = forPhoto.annotations.find((a) => a.id === "box");
    expect(box?.data?.regions[0]?.regionInfo?.boundingBox?.rightCol).toBeCloseTo(0.9);
    expect(box?.data?.regions[0]?.data?.concepts[0]?.id).toBe("dog");
    const byId = await t.api.listAnnotations({ ids: ["label"] });
    expect(byId.annotations.map((a) => a.inputId)).toEqual(["photo-2"]);
    const all = await t.api.listAnnotations({});
    expect(all.annotations).toHaveLength(3);
  });

  it("invalid annotations get ANNOTATION_INVALID_ARGUMENT each (MIXED_STATUS)", async () => {
    const res = await t.api.postAnnotations({
      annotations: [
        { id: "good", inputId: "photo", data: { concepts: [{ id: "ok", value: 1 }] } },
        { id: "no-input", inputId: "ghost", data: { concepts: [{ id: "x", value: 1 }] } },
        {
          id: "outside",
          inputId: "photo",
          data: { regions: [{ regionInfo: { boundingBox: { topRow: 0.1, leftCol: 0.1, bottomRow: 1.2, rightCol: 0.5 } } }] },
        },
        {
          id: "flipped",
          inputId: "photo",
          data: { regions: [{ regionInfo: { boundingBox: { topRow: 0.6, leftCol: 0.1, bottomRow: 0.2, rightCol: 0.5 } } }] },
        },
        {
          id: "two-points",
          inputId: "photo",
          data: { regions: [{ regionInfo: { polygon: { points: [{ row: 0.1, col: 0.1 }, { row: 0.2, col: 0.2 }] } } }] },
        },
        { id: "empty", inputId: "photo", data: {} },
        { id: "box", inputId: "photo", data: { concepts: [{ id: "dup", value: 1 }] } },
        { id: "no-concept-id", inputId: "photo", data: { concepts: [{ name: "x", value: 1 }] } },
        { id: "mask-not-png", inputId: "photo", data: { regions: [{ regionInfo: { mask: { image: { base64: Buffer.from("GIF89a not a png") } } } }] } },
        { id: "mask-no-bytes", inputId: "photo", data: { regions: [{ regionInfo: { mask: { image: { url: "https://example.com/m.png" } } } }] } },
        { id: "mask-png", inputId: "photo", data: { regions: [{ regionInfo: { mask: { image: { base64: tinyMaskPng } } }, data: { concepts: [{ id: "m", value: 0 }] } }] } },
      ],
    });
    expect(res.status?.code).toBe(StatusCode.MIXED_STATUS);
    const byId = Object.fromEntries(res.annotations.map((a) => [a.id, a.status]));
    expect(byId.good?.code).toBe(StatusCode.ANNOTATION_SUCCESS);
    const expected: Record<string, RegExp> = {
      "no-input": /input 'ghost' does not exist/,
      outside: /in \[0, 1\]/,
      flipped: /top_row < bottom_row/,
      "two-points": /at least 3 points/,
      empty: /no data/,
      box: /already exists/,
      "no-concept-id": /has no id/,
      "mask-not-png": /mask\.image is not a PNG image/,
      "mask-no-bytes": /mask\.image has no bytes/,
    };
    for (const [id, pattern] of Object.entries(expected)) {
      expect(byId[id]?.code, id).toBe(StatusCode.ANNOTATION_INVALID_ARGUMENT);
      expect(byId[id]?.description, id).toMatch(pattern);
    }
    expect(byId["mask-png"]?.code).toBe(StatusCode.ANNOTATION_SUCCESS);
    const stored = await t.api.listAnnotations({ ids: ["mask-png"] });
    const region = stored.annotations[0]?.data?.regions[0];
    expect(Buffer.from(region?.regionInfo?.mask?.image?.base64 ?? []).equals(tinyMaskPng)).toBe(true);
    expect(region?.data?.concepts[0]).toMatchObject({ id: "m", value: 0 });
    const none = await t.api.postAnnotations({ annotations: [{ inputId: "ghost", data: { concepts: [{ id: "x" }] } }] });
    expect(none.status?.code).toBe(StatusCode.FAILURE);
  });
});
