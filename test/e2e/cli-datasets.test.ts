import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import type { Input, Region } from "../../src/gen/clarifai/api/resources.js";
import { readRle, rleToRows } from "../../src/sources/labels/coco-rle.js";
import { listAllInputs, useTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";
import { decodeGreyPng } from "../helpers/png.js";

const LABELS = join(FIXTURES, "labels");
const CLOSE = 1e-3;

/** Concepts as [id, value] pairs, values to 3 decimals (they travel as 32-bit floats). */
function conceptPairs(input: Input | undefined): Array<[string, number]> {
  return (input?.data?.concepts ?? []).map((concept) => [concept.id, Math.round(concept.value * 1000) / 1000]);
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, at) => expect(Math.abs(value - expected[at]!), `${actual.join(",")} vs ${expected.join(",")}`).toBeLessThan(CLOSE));
}

describe("real datasets, imported as Clarifai's loaders and Ultralytics read them", { timeout: 90_000 }, () => {
  const testApp = useTestApp();
  const env = isolatedEnv();
  let app: TestApp;
  beforeEach(() => {
    app = testApp();
  });

  const inputsWith = async (prefix: string): Promise<Input[]> => (await listAllInputs(app.client)).filter((input) => input.id.startsWith(prefix));
  const byFile = (inputs: readonly Input[], name: string): Input | undefined => inputs.find((input) => input.data?.metadata?.filename === name);
  const regionsOf = async (input: Input | undefined): Promise<Region[]> => {
    const listed = await app.client.call("listAnnotations", { inputIds: [input?.id ?? "?"], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
    return listed.annotations.flatMap((annotation) => annotation.data?.regions ?? []);
  };

  it("stores concept values from manifests, --concepts and sidecars: 0 as a negative concept, refusing values outside 0..1", async () => {
    const manifest = join(FIXTURES, "manifests", "concept-values.csv");
    const result = await runCli(["manifest", manifest, "--concepts", "reviewed,blurry:0", "--json", ...app.flags], env);
    expect(result.code).toBe(1);
    const refused = jsonLines(result.stdout).filter((line) => line.event === "input" && line.status === "rejected");
    expect(refused.map((line) => [line.source, line.reason])).toEqual([
      [`${manifest}:4`, "bad_concept"],
      [`${manifest}:5`, "bad_concept"],
    ]);
    const stored = await inputsWith("values-");
    expect(stored.map((input) => input.id).sort()).toEqual(["values-1", "values-2"]);
    expect(conceptPairs(stored.find((input) => input.id === "values-1"))).toEqual([["reviewed", 1], ["blurry", 0], ["cat", 0.8], ["dog", 0]]);
    expect(conceptPairs(stored.find((input) => input.id === "values-2"))).toEqual([["reviewed", 1], ["blurry", 0], ["cat", 1], ["traffic-light", 0.25]]);

    // the platform's field paths: input.data.concepts[N].value, 0 included
    const dotted = await runCli(["manifest", join(FIXTURES, "manifests", "dotted.csv"), "--json", ...app.flags], env);
    expect(summaryOf(dotted.stdout)).toMatchObject({ uploaded: 3 });
    expect(conceptPairs((await inputsWith("web-1"))[0])).toEqual([["cat", 1], ["dog", 0]]);

    const sidecars = await runCli(["folder", join(LABELS, "sidecars"), "--sidecars", "--id-prefix", "sv-", "--json", ...app.flags], env);
    expect(summaryOf(sidecars.stdout)).toMatchObject({ uploaded: 1, annotation_files: 2 }); // cat.jpg; dog.png's sidecar is malformed
    const cat = byFile(await inputsWith("sv-"), "cat.jpg");
    expect(conceptPairs(cat)).toEqual([["cat", 1], ["indoor", 1], ["dog", 0], ["Blurry-photo", 0.25]]);
    const toy = (await regionsOf(cat)).find((region) => region.data?.concepts[0]?.id === "toy");
    expect(toy?.data?.concepts[0]?.value).toBeCloseTo(0.5, 3);
  });

  it("reads an Ultralytics YAML kept outside its dataset: splits, lists, labels by Ultralytics' rule, boxes and polygons", async () => {
    const root = join(LABELS, "ultralytics", "datasets", "tiny8");
    const result = await runCli(["folder", root, "--annotations", join(LABELS, "ultralytics", "cfg", "tiny8.yaml"), "--id-prefix", "u8-", "--json", ...app.flags], env);
    const summary = summaryOf(result.stdout);
    // three label files and the test.txt image list are annotation files, not inputs
    expect(summary).toMatchObject({ uploaded: 4, rejected: 0, annotations: 4, annotations_failed: 1, annotation_files: 4 });
    const stored = await inputsWith("u8-");
    expect(stored.map((input) => String(input.data?.metadata?.path)).sort()).toEqual(["images/test/fish.png", "images/train/cat.jpg", "images/train/dog.png", "images/val/bird.jpg"]);

    const cat = await regionsOf(byFile(stored, "cat.jpg"));
    const box = cat.find((region) => region.regionInfo?.boundingBox)!;
    expect(box.data?.concepts.map((concept) => concept.id)).toEqual(["cat"]);
    const { topRow, leftCol, bottomRow, rightCol } = box.regionInfo!.boundingBox!;
    expectClose([topRow, leftCol, bottomRow, rightCol], [0.25, 0.25, 0.75, 0.75]);
    const square = cat.find((region) => region.regionInfo?.polygon)!;
    expect(square.data?.concepts.map((concept) => concept.id)).toEqual(["dog"]);
    expectClose(square.regionInfo!.polygon!.points.flatMap((point) => [point.row, point.col]), [0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75, 0.25]);

    const diamond = await regionsOf(byFile(stored, "dog.png"));
    expect(diamond).toHaveLength(1); // its second line names class 9: refused
    expectClose(diamond[0]!.regionInfo!.polygon!.points.flatMap((point) => [point.row, point.col]), [0, 0.5, 0.5, 1, 1, 0.5, 0.5, 0]);
    const fish = await regionsOf(byFile(stored, "fish.png"));
    expect(fish[0]?.data?.concepts.map((concept) => [concept.id, concept.name])).toEqual([["traffic-light", "traffic light"]]);
    expect(await regionsOf(byFile(stored, "bird.jpg"))).toEqual([]); // a background image: no label file
    const refused = jsonLines(result.stdout).filter((line) => line.event === "annotation" && line.status === "failed");
    expect(String(refused[0]?.message)).toContain('dog.txt: line 2 "9 0.5 0.5 0.1 0.1": class 9 is not among the 3 class names');
  });

  it("posts COCO crowd masks, compressed and uncompressed, as mask images that decode back to the RLE", async () => {
    const file = join(LABELS, "coco-masks", "annotations.json");
    const result = await runCli(["folder", join(LABELS, "images"), "--annotations", file, "--id-prefix", "mask-", "--json", ...app.flags], env);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 2, annotations: 3, annotations_failed: 3 });
    const refused = jsonLines(result.stdout).filter((line) => line.event === "annotation" && line.status === "failed").map((line) => String(line.message));
    expect(refused.some((message) => message.includes("annotation 3: the mask is 16 x 12 px but the image is 32 x 24 px"))).toBe(true);
    expect(refused.some((message) => message.includes("annotation 4: RLE segmentation: compressed"))).toBe(true);
    expect(refused.some((message) => message.includes("annotation 5: the mask is empty"))).toBe(true);

    const fixture = JSON.parse(readFileSync(file, "utf8")) as { annotations: Array<{ id: number; segmentation: Record<string, unknown> }> };
    const expectedRows = (id: number): Uint8Array => {
      const rle = readRle(fixture.annotations.find((annotation) => annotation.id === id)!.segmentation);
      if (typeof rle === "string") throw new Error(rle);
      return rleToRows(rle).map((on) => (on ? 255 : 0));
    };
    const stored = await inputsWith("mask-");
    for (const [name, id, concept] of [["cat.jpg", 1, "person"], ["dog.png", 2, "dog"]] as const) {
      const masks = (await regionsOf(byFile(stored, name))).filter((region) => region.regionInfo?.mask);
      expect(masks, name).toHaveLength(1);
      expect(masks[0]!.data?.concepts.map((c) => c.id)).toEqual([concept]);
      const png = decodeGreyPng(masks[0]!.regionInfo!.mask!.image!.base64);
      expect([png.width, png.height]).toEqual([32, 24]);
      expect(png.pixels).toEqual(expectedRows(id));
    }
    // the refused mask of annotation 3 leaves its box, which is sound
    const dogRegions = await regionsOf(byFile(stored, "dog.png"));
    const boxOnly = dogRegions.find((region) => !region.regionInfo?.mask);
    const { topRow, leftCol, bottomRow, rightCol } = boxOnly!.regionInfo!.boundingBox!;
    expectClose([topRow, leftCol, bottomRow, rightCol], [0, 0, 2 / 24, 2 / 32]);
  });

  it("labels files directly in the --labels-from-folder folder with its name, as upload_from_folder(labels=True)", async () => {
    const result = await runCli(["folder", join(LABELS, "positive"), "--labels-from-folder", "--id-prefix", "pos-", "--json", ...app.flags], env);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 2 });
    const stored = await inputsWith("pos-");
    expect(stored).toHaveLength(2);
    for (const input of stored) expect(conceptPairs(input)).toEqual([["positive", 1]]);
  });

  it("opens SDK CSV paths from the working directory first, as the SDK does", async () => {
    const cwd = join(FIXTURES, "sdk-csv");
    const result = await runCli(["manifest", join("data", "images.csv"), "--csv-type", "file_path", "--type", "image", "--json", ...app.flags], env, undefined, cwd);
    expect(result.code).toBe(1);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 2, rejected: 1 });
    const rejected = jsonLines(result.stdout).filter((line) => line.event === "input" && line.status === "rejected");
    expect(rejected.map((line) => line.reason)).toEqual(["missing_file"]);
    expect(String(rejected[0]?.message)).toContain(join(cwd, "data", "image_files", "bird.jpg"));
    const stored = await inputsWith("sdk-");
    expect(stored.map((input) => [input.id, input.data?.metadata?.path]).sort()).toEqual([
      ["sdk-cat", "data/image_files/cat.jpg"],
      ["sdk-dog", "data/image_files/dog.png"],
    ]);
    expect(conceptPairs(stored.find((input) => input.id === "sdk-cat"))).toEqual([["cat", 1], ["animal", 1]]);
  });

  it("leaves YOLO label files beside the images out of the upload, and uploads the text that is not a label", async () => {
    const flat = join(LABELS, "yolo-flat");
    const result = await runCli(["folder", flat, "--annotations", flat, "--id-prefix", "flat-", "--json", ...app.flags], env);
    expect(summaryOf(result.stdout)).toMatchObject({ discovered: 3, uploaded: 3, annotation_files: 3, annotations: 2 });
    const stored = await inputsWith("flat-");
    expect(stored.map((input) => String(input.data?.metadata?.filename)).sort()).toEqual(["cat.jpg", "dog.png", "notes.txt"]);
    const sources = jsonLines(result.stdout).filter((line) => line.event === "input").map((line) => String(line.source));
    for (const label of ["cat.txt", "dog.txt", "classes.txt"]) expect(sources.some((source) => source.endsWith(label))).toBe(false);
  });
});
