import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";

describe("transforms, archives, manifests and annotations", { timeout: 60_000 }, () => {
  let app: TestApp;
  const env = isolatedEnv();

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("applies a --transform: the spec's non-ASCII stripping, tagging, skipping and failing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-transform-"));
    writeFileSync(join(dir, "note.txt"), "café naïve — text\n");
    const ascii = await runCli(["files", join(dir, "note.txt"), "--id-prefix", "tr-", "--transform", join(FIXTURES, "transforms", "ascii-only.mjs"), "--json", ...app.flags], env);
    expect(ascii.code).toBe(0);
    const stored = (await listAllInputs(app.client)).find((input) => input.id.startsWith("tr-"));
    const text = await app.client.call("getInput", { inputId: stored?.id ?? "" });
    expect(text.input?.data?.text?.raw).toBe("caf nave  text\n");

    const tagged = await runCli(["folder", join(FIXTURES, "media"), "--id-prefix", "tag-", "--concepts", "base", "--transform", join(FIXTURES, "transforms", "tag-and-skip.mjs"), "--json", ...app.flags], env);
    expect(tagged.code).toBe(1);
    const events = jsonLines(tagged.stdout).filter((line) => line.event === "input");
    expect(events.find((e) => String(e.source).endsWith("image.gif"))).toMatchObject({ status: "skipped", reason: "transform_skipped" });
    expect(events.find((e) => String(e.source).endsWith("audio.wav"))).toMatchObject({ status: "rejected", reason: "transform_error" });
    expect(String(events.find((e) => String(e.source).endsWith("audio.wav"))?.message)).toContain("no audio today");
    expect(summaryOf(tagged.stdout)).toMatchObject({ skipped: 1, rejected: 1 });
    const inputs = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("tag-"));
    const png = inputs.find((input) => input.data?.metadata?.filename === "image.png");
    expect(png?.data?.concepts.map((c) => c.id).sort()).toEqual(["base", "image"]);
    expect(png?.data?.metadata).toMatchObject({ transformed: true, filename: "image.png" });
    expect(inputs.some((input) => input.data?.metadata?.filename === "image.gif")).toBe(false);
  });

  it("uploads a ZIP entry by entry, rejects nested archives, and a re-run sends nothing twice", async () => {
    const archive = join(FIXTURES, "archives", "mixed.zip");
    const first = await runCli(["zip", archive, "--id-prefix", "zip-", "--dataset", "zipped", "--json", ...app.flags], env);
    expect(first.code).toBe(1);
    const events = jsonLines(first.stdout).filter((line) => line.event === "input");
    const nested = events.filter((e) => e.reason === "nested_archive");
    expect(nested.length).toBeGreaterThanOrEqual(1);
    for (const e of nested) expect(String(e.message)).toContain("mixed.zip:");
    const uploaded = events.filter((e) => e.status === "uploaded");
    const stored = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("zip-"));
    expect(stored).toHaveLength(uploaded.length);
    for (const input of stored) expect(input.datasetIds).toEqual(["zipped"]);
    const kinds = new Set(stored.map((input) => (input.data?.image ? "image" : input.data?.video ? "video" : input.data?.audio ? "audio" : "text")));
    expect([...kinds].sort()).toEqual(["audio", "image", "text", "video"]);

    const again = await runCli(["zip", archive, "--id-prefix", "zip-", "--dataset", "zipped", "--json", ...app.flags], env);
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 0, batches: 0, present: uploaded.length });
    expect((await listAllInputs(app.client)).filter((input) => input.id.startsWith("zip-"))).toHaveLength(uploaded.length);
  });

  it("keeps the good entries of hostile archives and names every bad one", async () => {
    for (const [name, reason] of [["bomb.zip", "zip_bomb"], ["encrypted.zip", "encrypted"], ["unsafe-names.zip", "unsafe_name"], ["duplicates.zip", "duplicate_entry"], ["truncated.zip", "corrupt_archive"]]) {
      const result = await runCli(["zip", join(FIXTURES, "archives", name), "--dry-run", "--json"], env);
      const events = jsonLines(result.stdout).filter((line) => line.event === "input");
      expect(events.some((e) => e.reason === reason), `${name}: ${result.stdout}`).toBe(true);
      expect(result.code).toBe(1);
    }
    const bomb = jsonLines((await runCli(["zip", join(FIXTURES, "archives", "bomb.zip"), "--dry-run", "--json"], env)).stdout);
    expect(bomb.some((e) => e.event === "input" && e.status === "would_upload" && e.dry_run === true)).toBe(true);
  });

  it("uploads manifests of each dialect with ids, concepts, metadata, geo and datasets", async () => {
    const simple = await runCli(["manifest", join(FIXTURES, "manifests", "simple.csv"), "--json", ...app.flags], env);
    expect(simple.code).toBe(0);
    const photo = await app.client.call("getInput", { inputId: "photo-1" });
    expect(photo.input?.data?.concepts.map((c) => c.id).sort()).toEqual(["cat", "dog"]);
    expect(photo.input?.data?.metadata).toMatchObject({ split: "train", n: 3 });
    expect(photo.input?.data?.geo?.geoPoint?.longitude).toBeCloseTo(-73.9, 3);
    expect(photo.input?.datasetIds).toEqual(["ds-a"]);
    const sound = await app.client.call("getInput", { inputId: "sound" });
    expect(sound.input?.datasetIds.sort()).toEqual(["ds-a", "ds-b"]);
    expect(sound.input?.data?.audio).toBeDefined();

    for (const [file, extra] of [["dotted.csv", []], ["sdk-urls.csv", ["--csv-type", "url", "--type", "image"]], ["multimodal.csv", []], ["simple.tsv", ["--id-prefix", "tsv-"]]] as const) {
      const result = await runCli(["manifest", join(FIXTURES, "manifests", file), ...extra, "--json", ...app.flags], env);
      const summary = summaryOf(result.stdout);
      expect(Number(summary.uploaded) + Number(summary.present), `${file}: ${result.stdout}${result.stderr}`).toBeGreaterThan(0);
      expect(summary.failed, `${file}: ${result.stdout}`).toBe(0);
    }
    const rerun = await runCli(["manifest", join(FIXTURES, "manifests", "simple.csv"), "--json", ...app.flags], env);
    expect(summaryOf(rerun.stdout)).toMatchObject({ uploaded: 0, batches: 0 });
  });

  it("rejects bad manifest rows with their line and reason; the --failed-out file reads back as a manifest", async () => {
    const failedOut = join(mkdtempSync(join(tmpdir(), "cu-fo-")), "failed.csv");
    const bad = await runCli(["manifest", join(FIXTURES, "manifests", "bad-rows.csv"), "--id-prefix", "bad-", "--failed-out", failedOut, "--json", ...app.flags], env);
    expect(bad.code).toBe(1);
    const rejected = jsonLines(bad.stdout).filter((line) => line.event === "input" && line.status === "rejected");
    const reasons = new Set(rejected.map((e) => e.reason));
    for (const reason of ["unknown_type", "bad_metadata", "bad_geo", "bad_id", "duplicate_id", "missing_file", "no_content"]) expect(reasons.has(reason), reason).toBe(true);
    for (const e of rejected) expect(String(e.source)).toMatch(/bad-rows\.csv:\d+$/);
    expect(summaryOf(bad.stdout).uploaded).toBeGreaterThan(0);
    // A row the manifest reader refused is written back as it was, its file made absolute,
    // so that fed back it is refused for the same reason until it is fixed; a row too wide
    // to tell into columns is written with no fields.
    const readBackRows = jsonLines((await runCli(["manifest", failedOut, "--dry-run", "--json"], env)).stdout).filter((line) => line.event === "input");
    const saying = (text: string) => readBackRows.find((line) => String(line.message).includes(text));
    expect(saying('type "picture"')).toMatchObject({ status: "rejected", reason: "unknown_type" });
    expect(saying("latitude 95")).toMatchObject({ status: "rejected", reason: "bad_geo" });
    expect(saying("does-not-exist.jpg")).toMatchObject({ status: "rejected", reason: "missing_file" });
    expect(readFileSync(failedOut, "utf8")).toContain(`odd-type,picture,${join(FIXTURES, "media", "image.png")},`);
    expect(readBackRows.filter((line) => line.status !== "rejected").map((line) => line.id)).toEqual(["good-1"]);

    // A row the validator refuses keeps its id, concepts and metadata in the failed-out file.
    const dir = mkdtempSync(join(tmpdir(), "cu-fo-"));
    writeFileSync(join(dir, "rows.csv"), `id,file,concepts,metadata\nsong-1,${join(FIXTURES, "broken", "song.mp3")},"music,demo","{""k"":1}"\n`);
    await runCli(["manifest", join(dir, "rows.csv"), "--dry-run", "--failed-out", join(dir, "out.csv"), "--json"], env);
    const again = jsonLines((await runCli(["manifest", join(dir, "out.csv"), "--dry-run", "--json"], env)).stdout).filter((line) => line.event === "input");
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ id: "song-1", status: "rejected", reason: "unsupported_format" });

    const folderFailedOut = join(mkdtempSync(join(tmpdir(), "cu-fo-")), "failed.csv");
    await runCli(["folder", join(FIXTURES, "broken"), "--dry-run", "--failed-out", folderFailedOut, "--json"], env);
    const readBack = await runCli(["manifest", folderFailedOut, "--dry-run", "--json"], env);
    const lines = jsonLines(readBack.stdout).filter((line) => line.event === "input");
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((e) => e.status === "rejected")).toBe(true);
    expect(readBack.stderr).not.toMatch(/Error:/);
  });

  it("posts COCO, YOLO and VOC regions with coordinates normalized by the image's real size, once", async () => {
    const labels = join(FIXTURES, "labels");
    const coco = await runCli(["folder", join(labels, "images"), "--id-prefix", "coco-", "--annotations", join(labels, "coco", "annotations.json"), "--json", ...app.flags], env);
    expect(coco.code).toBe(1); // the fixture holds deliberately bad annotations
    const summary = summaryOf(coco.stdout);
    expect(summary.annotations).toBeGreaterThan(0);
    expect(summary.annotations_failed).toBeGreaterThan(0);
    const refused = jsonLines(coco.stdout).filter((line) => line.event === "annotation" && line.status === "failed");
    expect(refused.some((w) => /annotation \d+: degenerate box/.test(String(w.message)))).toBe(true);
    expect(refused).toHaveLength(Number(summary.annotations_failed));

    const cat = (await listAllInputs(app.client)).find((input) => input.id.startsWith("coco-cat_jpg"));
    const listed = await app.client.call("listAnnotations", { inputIds: [cat?.id ?? ""], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
    const boxes = listed.annotations.flatMap((a) => a.data?.regions ?? []).filter((r) => r.regionInfo?.boundingBox);
    const box = boxes.find((r) => r.data?.concepts[0]?.id === "cat")?.regionInfo?.boundingBox;
    expect(box?.topRow).toBeCloseTo(0.25, 5);
    expect(box?.leftCol).toBeCloseTo(0.25, 5);
    expect(box?.bottomRow).toBeCloseTo(0.75, 5);
    expect(box?.rightCol).toBeCloseTo(0.75, 5);
    const polygons = listed.annotations.flatMap((a) => a.data?.regions ?? []).filter((r) => (r.regionInfo?.polygon?.points.length ?? 0) >= 3);
    expect(polygons.length).toBeGreaterThan(0);
    const count = listed.annotations.length;

    // A re-run skips the inputs, and with them their annotations.
    const again = await runCli(["folder", join(labels, "images"), "--id-prefix", "coco-", "--annotations", join(labels, "coco", "annotations.json"), "--json", ...app.flags], env);
    expect(summaryOf(again.stdout)).toMatchObject({ uploaded: 0, annotations: 0 });
    const relisted = await app.client.call("listAnnotations", { inputIds: [cat?.id ?? ""], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
    expect(relisted.annotations).toHaveLength(count);

    for (const [dir, annotations, prefix] of [[join(labels, "yolo", "images", "train"), join(labels, "yolo"), "yolo-"], [join(labels, "images"), join(labels, "voc", "Annotations"), "voc-"]]) {
      const result = await runCli(["folder", dir, "--id-prefix", prefix, "--annotations", annotations, "--json", ...app.flags], env);
      expect(Number(summaryOf(result.stdout).annotations), `${annotations}: ${result.stdout}${result.stderr}`).toBeGreaterThan(0);
    }
  });

  it("clips a COCO box past the image's edge as Clarifai's loaders do, and names the images the file annotates that the walk did not find", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-missing-"));
    copyFileSync(join(FIXTURES, "labels", "images", "cat.jpg"), join(dir, "cat.jpg")); // 32 x 24
    const annotations = join(mkdtempSync(join(tmpdir(), "cu-coco-file-")), "instances.json");
    writeFileSync(
      annotations,
      JSON.stringify({
        images: [
          { id: 1, file_name: "cat.jpg", width: 32, height: 24 },
          { id: 2, file_name: "gone.jpg", width: 32, height: 24 },
        ],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [-8, 6, 16, 12] },
          { id: 2, image_id: 2, category_id: 1, bbox: [0, 0, 4, 4] },
          { id: 3, image_id: 2, category_id: 1, bbox: [4, 4, 4, 4] },
        ],
        categories: [{ id: 1, name: "Cat" }],
      }),
    );
    const result = await runCli(["folder", dir, "--id-prefix", "clip-", "--annotations", annotations, "--json", ...app.flags], env);
    expect(result.code).toBe(0);
    expect(summaryOf(result.stdout)).toMatchObject({ uploaded: 1, annotations: 1, annotations_failed: 0 });
    const warnings = jsonLines(result.stdout).filter((line) => line.event === "warning");
    expect(warnings.map((line) => line.message)).toEqual([`${annotations}: 2 regions for "gone.jpg", which is not among the files read: not posted`]);
    const cat = (await listAllInputs(app.client)).find((input) => input.id.startsWith("clip-cat_jpg"));
    const listed = await app.client.call("listAnnotations", { inputIds: [cat?.id ?? ""], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
    const [region] = listed.annotations.flatMap((a) => a.data?.regions ?? []);
    expect(region?.data?.concepts[0]).toMatchObject({ id: "cat", name: "Cat" });
    expect(region?.regionInfo?.boundingBox).toMatchObject({ leftCol: 0, rightCol: 0.25 });
    expect(region?.regionInfo?.boundingBox?.topRow).toBeCloseTo(0.25, 5);
  });

  it("posts the regions an edited annotation file gives an unchanged image on the next run, and a second file's for the same image, losing none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-coco-edit-"));
    copyFileSync(join(FIXTURES, "labels", "images", "cat.jpg"), join(dir, "cat.jpg")); // 32 x 24
    const files = mkdtempSync(join(tmpdir(), "cu-coco-files-"));
    const coco = (name: string, boxes: number[][], category = "cat"): string => {
      const path = join(files, name);
      const annotations = boxes.map((bbox, i) => ({ id: i + 1, image_id: 1, category_id: 1, bbox }));
      writeFileSync(path, JSON.stringify({ images: [{ id: 1, file_name: "cat.jpg", width: 32, height: 24 }], annotations, categories: [{ id: 1, name: category }] }));
      return path;
    };
    const stored = async (): Promise<string[]> => {
      const cat = (await listAllInputs(app.client)).find((input) => input.id.startsWith("edit-cat_jpg"));
      const listed = await app.client.call("listAnnotations", { inputIds: [cat?.id ?? ""], ids: [], listAllAnnotations: true, page: 1, perPage: 100 });
      return listed.annotations.flatMap((a) => a.data?.regions ?? []).map((r) => `${r.data?.concepts[0]?.id}:${r.regionInfo?.boundingBox?.leftCol}`).sort();
    };
    const run = async (annotations: string) => {
      const result = await runCli(["folder", dir, "--id-prefix", "edit-", "--annotations", annotations, "--job", `edit-${annotations.endsWith("a.json") ? "a" : "b"}`, "--json", ...app.flags], env);
      expect(result.code, result.stderr).toBe(0);
      return summaryOf(result.stdout);
    };
    const a = coco("a.json", [[0, 0, 8, 8]]);
    expect(await run(a)).toMatchObject({ uploaded: 1, annotations: 1 });
    expect(await run(a)).toMatchObject({ uploaded: 0, present: 1, annotations: 0 });
    expect(await stored()).toEqual(["cat:0"]);
    // The box moved and another added: both posted by the next run; the old box stays on the server.
    coco("a.json", [[8, 0, 8, 8], [16, 0, 8, 8]]);
    // A dry run says what the real run will do: the input is there, its regions to post.
    const dry = await runCli(["folder", dir, "--id-prefix", "edit-", "--annotations", a, "--job", "edit-a", "--json", "--dry-run", ...app.flags], env);
    expect(dry.code).toBe(0);
    expect(jsonLines(dry.stdout).filter((line) => line.event === "input").map((line) => [line.status, line.reason])).toEqual([["present", "regions_to_post"]]);
    expect(await run(a)).toMatchObject({ uploaded: 0, present: 1, annotations: 2 });
    expect(await stored()).toEqual(["cat:0", "cat:0.25", "cat:0.5"]);
    expect(await run(a)).toMatchObject({ present: 1, annotations: 0 });
    // Another file for the same image, another job: its region is another annotation, not "already there".
    const b = coco("b.json", [[0, 0, 8, 8]], "Kitten");
    expect(await run(b)).toMatchObject({ present: 1, annotations: 1 });
    expect(await stored()).toEqual(["cat:0", "cat:0.25", "cat:0.5", "kitten:0"]);
  });

  it("reads sidecars: concepts, metadata, geo and regions of each file", async () => {
    const result = await runCli(["folder", join(FIXTURES, "labels", "sidecars"), "--sidecars", "--id-prefix", "side-", "--json", ...app.flags], env);
    const summary = summaryOf(result.stdout);
    expect(summary.discovered).toBe(2); // the .json files are sidecars, not inputs
    expect(summary.annotations).toBeGreaterThan(0);
    const cat = (await listAllInputs(app.client)).find((input) => input.id.startsWith("side-cat_jpg"));
    expect(cat?.data?.concepts.map((c) => c.id)).toEqual(expect.arrayContaining(["cat", "indoor"]));
    expect(cat?.data?.metadata).toMatchObject({ photographer: "ann", iso: 200 });
    expect(cat?.data?.geo?.geoPoint?.latitude).toBeCloseTo(48.85, 3);
  });
});
