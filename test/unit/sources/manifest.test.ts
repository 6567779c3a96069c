import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../../src/errors.js";
import { FAILED_OUT_COLUMNS, FailedOutWriter } from "../../../src/report/failed-out.js";
import type { Candidate, SourceReport } from "../../../src/sources/candidate.js";
import { conceptOf } from "../../../src/sources/concepts.js";
import { type ManifestOptions, manifestDialect, readManifest } from "../../../src/sources/manifest.js";
import { SIMPLE_COLUMNS } from "../../../src/sources/manifest-simple.js";

const MANIFESTS = fileURLToPath(new URL("../../../fixtures/manifests/", import.meta.url));
const MEDIA = fileURLToPath(new URL("../../../fixtures/media/", import.meta.url));
const fixture = (name: string): string => join(MANIFESTS, name);
const concept = (name: string, value = 1) => conceptOf(name, value);

interface Rejection {
  source: string;
  reason: string;
  message: string;
}

interface Read {
  candidates: Candidate[];
  rejected: Rejection[];
  warnings: Array<{ source: string; message: string }>;
}

async function read(path: string, options?: ManifestOptions): Promise<Read> {
  const result: Read = { candidates: [], rejected: [], warnings: [] };
  const report: SourceReport = {
    rejected: (source, reason, message) => result.rejected.push({ source, reason, message }),
    warning: (source, message) => result.warnings.push({ source, message }),
  };
  for await (const candidate of readManifest(path, report, options)) result.candidates.push(candidate);
  return result;
}

function byId(candidates: readonly Candidate[], id: string): Candidate {
  const found = candidates.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no candidate ${id}`);
  return found;
}

function temp(name: string, text: string | Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), "cu-manifest-")), name);
  writeFileSync(path, text);
  return path;
}

async function usageError(path: string, options?: ManifestOptions): Promise<string> {
  try {
    await read(path, options);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("readManifest, simple dialect", () => {
  it("turns file, url and text rows into candidates with their fields", async () => {
    const path = fixture("simple.csv");
    const { candidates, rejected, warnings } = await read(path);
    expect(rejected).toEqual([]);
    expect(warnings).toEqual([]);
    expect(candidates.map((candidate) => candidate.source)).toEqual([2, 3, 4, 5, 6, 7].map((line) => `${path}:${line}`));

    const photo = byId(candidates, "photo-1");
    expect(photo.relPath).toBe("../media/image.jpg");
    expect(photo.content.kind).toBe("bytes");
    if (photo.content.kind !== "bytes") throw new Error("bytes expected");
    expect(photo.content.declaredKind).toBeUndefined();
    expect(await photo.content.bytes.all()).toEqual(readFileSync(join(MEDIA, "image.jpg")));
    expect(photo.fingerprint).toMatch(/^[0-9a-f]{16}:340:\d+$/);
    expect(photo.concepts).toEqual([concept("cat"), concept("dog")]);
    expect(photo.metadata).toEqual({ split: "train", n: 3 });
    expect(photo.geo).toEqual({ longitude: -73.9, latitude: 40.7 });
    expect(photo.datasetIds).toEqual(["ds-a"]);
    expect(photo.prompt).toBeUndefined();

    const video = candidates[1] as Candidate;
    expect(video.id).toBeUndefined();
    expect(video.content).toMatchObject({ kind: "bytes", declaredKind: "video" });
    expect(video.relPath).toBe("../media/video.mp4");

    const sound = byId(candidates, "sound");
    expect(sound.content).toMatchObject({ kind: "bytes", declaredKind: "audio" });
    expect(sound.datasetIds).toEqual(["ds-a", "ds-b"]);

    const remote = byId(candidates, "remote-1");
    expect(remote.content).toEqual({ kind: "url", url: "https://samples.example/x.jpg", declaredKind: "image" });
    expect(remote.relPath).toBe("https://samples.example/x.jpg"); // named by what it holds, as in `urls`
    expect(remote.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(candidates[4]?.content).toEqual({ kind: "url", url: "https://samples.example/y.png", declaredKind: undefined });

    const note = byId(candidates, "note-1");
    expect(note.content).toEqual({ kind: "text", text: "A short note, with a comma" });
    expect(note.relPath).toMatch(/^text-[0-9a-f]{16}$/);
    expect(note.metadata).toEqual({ lang: "en" });
  });

  it("names a text row without an id by what the row holds, not by its line: the same row elsewhere, the same name; other labels, another", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-manifest-"));
    writeFileSync(join(dir, "a.csv"), "text,concepts\nhello,cat\nhello,dog\n");
    writeFileSync(join(dir, "b.csv"), "text,concepts\nsomething else,cat\nhello,dog\nhello,cat\n");
    const a = (await read(join(dir, "a.csv"))).candidates.map((candidate) => candidate.relPath);
    const b = (await read(join(dir, "b.csv"))).candidates.map((candidate) => candidate.relPath);
    expect(a[0]).not.toBe(a[1]);
    expect([b[2], b[1]]).toEqual(a);
  });

  it("gives file and URL rows without a type the --type kind; text rows stay text", async () => {
    const { candidates } = await read(fixture("simple.csv"), { type: "image" });
    expect(candidates[4]?.content).toMatchObject({ kind: "url", declaredKind: "image" });
    expect(candidates[1]?.content).toMatchObject({ declaredKind: "video" });
    expect(byId(candidates, "note-1").content.kind).toBe("text");
  });

  it("reads a TSV by its extension, with quotes inside fields", async () => {
    const { candidates, rejected } = await read(fixture("simple.tsv"));
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => candidate.id)).toEqual(["tsv-1", "tsv-2", "tsv-3"]);
    expect(byId(candidates, "tsv-1")).toMatchObject({ relPath: "../media/image.png", concepts: [concept("cat"), concept("dog")], geo: { longitude: 2.35, latitude: 48.85 } });
    expect(byId(candidates, "tsv-3").content).toEqual({ kind: "text", text: 'He said "hi", then left' });
  });

  it("reads a BOM, CRLF lines and quoted multi-line fields, numbering rows by their first line", async () => {
    const path = fixture("bom-multiline.csv");
    const { candidates, rejected } = await read(path);
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => [candidate.id, candidate.source])).toEqual([
      ["bom-1", `${path}:2`],
      ["bom-2", `${path}:5`],
      ["bom-3", `${path}:8`],
    ]);
    expect(byId(candidates, "bom-1").concepts).toEqual([concept("cat"), concept("dog")]);
    expect(byId(candidates, "bom-2").content).toEqual({ kind: "text", text: 'First line\r\nsecond line with "quotes", and a comma\r\nthird line' });
    expect(byId(candidates, "bom-2").metadata).toEqual({ note: "multi\nline" });
    expect(byId(candidates, "bom-3").relPath).toBe("../media/text.txt");
  });

  it("makes a file or url with text one multimodal input: the text is its prompt", async () => {
    const { candidates, rejected } = await read(fixture("multimodal.csv"));
    expect(rejected).toEqual([]);
    expect(byId(candidates, "mm-1")).toMatchObject({ prompt: "What time of day is it?", concepts: [concept("scene")], content: { kind: "bytes" } });
    expect(byId(candidates, "mm-2")).toMatchObject({ prompt: "Describe this picture.", content: { kind: "url", url: "https://samples.example/x.jpg", declaredKind: "image" } });
    expect(byId(candidates, "mm-3")).toMatchObject({ prompt: "What happens in this clip?", content: { kind: "bytes", declaredKind: "video" } });
  });

  it("resolves files against --base-dir when given", async () => {
    const path = temp("list.csv", "file\nimage.jpg\n");
    const { candidates, rejected } = await read(path, { baseDir: MEDIA });
    expect(rejected).toEqual([]);
    expect(candidates[0]?.relPath).toBe("image.jpg");
  });

  it("skips empty and blank rows and warns once about columns it does not read", async () => {
    const path = temp("list.csv", "\n\nurl,colour,reason,message\n,,,\nhttps://samples.example/a.jpg,red,too_large,big\n");
    const { candidates, rejected, warnings } = await read(path);
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => candidate.source)).toEqual([`${path}:5`]);
    expect(warnings).toEqual([{ source: path, message: `${path}: column "colour" is not a manifest column; it is ignored` }]);
  });
});

describe("readManifest, bad rows", () => {
  it("rejects each bad row with its line and reason; the other rows come through", async () => {
    const path = fixture("bad-rows.csv");
    const { candidates, rejected } = await read(path);
    expect(candidates.map((candidate) => [candidate.id, candidate.source])).toEqual([
      ["good-1", `${path}:2`],
      ["good-2", `${path}:15`],
    ]);
    expect(rejected.map((rejection) => [rejection.source, rejection.reason])).toEqual([
      [`${path}:3`, "unknown_type"],
      [`${path}:4`, "bad_metadata"],
      [`${path}:5`, "bad_metadata"],
      [`${path}:6`, "bad_geo"],
      [`${path}:7`, "bad_geo"],
      [`${path}:8`, "bad_id"],
      [`${path}:9`, "duplicate_id"],
      [`${path}:10`, "missing_file"],
      [`${path}:11`, "no_content"],
      [`${path}:12`, "ambiguous_content"],
      [`${path}:13`, "ambiguous_content"],
      [`${path}:14`, "bad_row"],
    ]);
    for (const rejection of rejected) expect(rejection.message.startsWith(`${rejection.source}: `)).toBe(true);
    expect(rejected.find((rejection) => rejection.reason === "duplicate_id")?.message).toContain("already used on line 2");
    expect(rejected.find((rejection) => rejection.reason === "bad_geo")?.message).toContain("latitude 95 is outside -90..90");
    expect(rejected.find((rejection) => rejection.reason === "missing_file")?.message).toContain("does-not-exist.jpg");
  });

  it("rejects geo with one coordinate and longitude out of range", async () => {
    const path = temp("geo.csv", "text,lon,lat\na,10,\nb,181,0\nc,-180,-90\n");
    const { candidates, rejected } = await read(path);
    expect(rejected.map((rejection) => [rejection.source, rejection.reason])).toEqual([
      [`${path}:2`, "bad_geo"],
      [`${path}:3`, "bad_geo"],
    ]);
    expect(candidates[0]?.geo).toEqual({ longitude: -180, latitude: -90 });
  });

  it("rejects a file that is a folder, and text-only rows that declare a media type", async () => {
    const path = temp("odd.csv", `file,type,text\n${MEDIA},,\n,image,just text\n`);
    const { rejected } = await read(path);
    expect(rejected.map((rejection) => rejection.reason)).toEqual(["missing_file", "no_content"]);
  });

  it("stops at broken CSV quoting, keeping the rows before it", async () => {
    const path = fixture("bad-quote.csv");
    const { candidates, rejected } = await read(path);
    expect(candidates.map((candidate) => candidate.id)).toEqual(["q-1", "q-2"]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ source: `${path}:4`, reason: "bad_csv" });
    expect(rejected[0]?.message).toContain("the rest of the manifest is not read");
  });
});

describe("readManifest, the Python SDK's CSV", () => {
  it("reads raw text rows with comma-separated concepts, single-quoted metadata and geopoints", async () => {
    const path = fixture("sdk-raw.csv");
    const { candidates, rejected } = await read(path, { csvType: "raw" });
    expect(rejected).toEqual([]);
    expect(candidates[0]).toMatchObject({
      id: "txt1",
      source: `${path}:2`,
      relPath: expect.stringMatching(/^text-[0-9a-f]{16}$/),
      content: { kind: "text", text: "The sky is clear and blue" },
      concepts: [concept("weather")],
      metadata: { lang: "en" },
      geo: { longitude: -73.935242, latitude: 40.73061 },
    });
    expect(candidates[1]).toMatchObject({ id: "txt2", concepts: [concept("dog"), concept("pet")], metadata: { lang: "en" } });
    expect(candidates[1]?.geo).toBeUndefined();
  });

  it("reads file paths against the manifest's folder, with --type as the declared kind", async () => {
    const { candidates, rejected } = await read(fixture("sdk-files.csv"), { csvType: "file_path", type: "image" });
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => [candidate.id, candidate.relPath])).toEqual([
      ["img1", "../media/image.jpg"],
      ["img2", "../media/image.gif"],
    ]);
    expect(candidates[0]).toMatchObject({ content: { kind: "bytes", declaredKind: "image" }, concepts: [concept("train")], metadata: { source: "local" } });
  });

  it("tries file paths against the working directory first, as the SDK opens them, then the manifest's folder", async () => {
    const sdk = join(MANIFESTS, "..", "sdk-csv");
    const { candidates, rejected } = await read(join(sdk, "data", "images.csv"), { csvType: "file_path", workingDir: sdk });
    expect(candidates.map((candidate) => [candidate.id, candidate.relPath, candidate.content.kind === "bytes" ? candidate.content.bytes.path : ""])).toEqual([
      ["sdk-cat", "data/image_files/cat.jpg", join(sdk, "data", "image_files", "cat.jpg")],
      ["sdk-dog", "data/image_files/dog.png", join(sdk, "data", "image_files", "dog.png")],
    ]);
    expect(candidates[0]?.concepts).toEqual([concept("cat"), concept("animal")]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ source: `${join(sdk, "data", "images.csv")}:4`, reason: "missing_file" });
    expect(rejected[0]?.message).toContain(`${join(sdk, "data", "image_files", "bird.jpg")} (from the working directory, as the Python SDK opens it): ENOENT`);
    expect(rejected[0]?.message).toContain(`${join(sdk, "data", "data", "image_files", "bird.jpg")} (beside the manifest): ENOENT`);
  });

  it("rejects a row whose path names two different files, one from the working directory and one beside the manifest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-sdk-"));
    const cwd = join(dir, "run-here");
    const beside = join(dir, "csvs");
    for (const folder of [cwd, beside]) mkdirSync(join(folder, "img"), { recursive: true });
    copyFileSync(join(MEDIA, "image.jpg"), join(cwd, "img", "a.jpg"));
    copyFileSync(join(MEDIA, "image.png"), join(beside, "img", "a.jpg"));
    copyFileSync(join(MEDIA, "image.png"), join(beside, "img", "b.png"));
    symlinkSync(join(beside, "img", "b.png"), join(cwd, "img", "b.png"));
    writeFileSync(join(beside, "list.csv"), "inputid,input\na,img/a.jpg\nb,img/b.png\n");
    const { candidates, rejected } = await read(join(beside, "list.csv"), { csvType: "file_path", workingDir: cwd });
    expect(rejected).toEqual([
      {
        source: `${join(beside, "list.csv")}:2`,
        reason: "ambiguous_file",
        message: `${join(beside, "list.csv")}:2: file img/a.jpg is two different files: ${join(cwd, "img", "a.jpg")} (from the working directory, as the Python SDK opens it) and ${join(beside, "img", "a.jpg")} (beside the manifest); give an absolute path, or run from the folder the paths are relative to`,
      },
    ]);
    // the same file by two paths (a link) is not ambiguous
    expect(candidates.map((candidate) => candidate.id)).toEqual(["b"]);
  });

  it("keeps concept values of the simple dialect (name:value) and rejects values outside 0..1 naming the row", async () => {
    const path = fixture("concept-values.csv");
    const { candidates, rejected } = await read(path);
    expect(byId(candidates, "values-1").concepts).toEqual([concept("cat", 0.8), concept("dog", 0)]);
    expect(byId(candidates, "values-2").concepts).toEqual([concept("cat"), concept("traffic light", 0.25)]);
    expect(rejected.map((rejection) => [rejection.source, rejection.reason, rejection.message])).toEqual([
      [`${path}:4`, "bad_concept", `${path}:4: concept "cat" has value 1.5; a concept's value must be a number from 0 to 1 (0: a negative concept)`],
      [`${path}:5`, "bad_concept", `${path}:5: concept "cat" has value -1; a concept's value must be a number from 0 to 1 (0: a negative concept)`],
    ]);
  });

  it("reads URLs; without --type their kind is left to the validator", async () => {
    const typed = await read(fixture("sdk-urls.csv"), { csvType: "url", type: "image" });
    expect(typed.candidates[0]).toMatchObject({
      id: "url1",
      content: { kind: "url", url: "https://samples.example/x.jpg", declaredKind: "image" },
      geo: { longitude: -118.243683, latitude: 34.052235 },
    });
    const untyped = await read(fixture("sdk-urls.csv"), { csvType: "url" });
    expect(untyped.candidates[1]?.content).toEqual({ kind: "url", url: "https://samples.example/y.jpg", declaredKind: undefined });
  });

  it("rejects geopoints that are not longitude,latitude", async () => {
    const path = temp("sdk.csv", 'inputid,input,geopoints\na,text,"1,2,3"\nb,text,"1"\nc,text,"5,100"\n');
    const { rejected } = await read(path, { csvType: "raw" });
    expect(rejected.map((rejection) => rejection.reason)).toEqual(["bad_geo", "bad_geo", "bad_geo"]);
  });

  it("needs --csv-type, refuses other columns, and raw text with a media --type", async () => {
    expect(await usageError(fixture("sdk-urls.csv"))).toContain("--csv-type raw|url|file_path");
    expect(await usageError(temp("sdk.csv", "inputid,input,label\na,b,c\n"), { csvType: "raw" })).toContain('"label"');
    expect(await usageError(fixture("sdk-raw.csv"), { csvType: "raw", type: "image" })).toContain("--csv-type raw holds text");
    expect(await usageError(temp("sdk.csv", "inputid,concepts\na,b\n"), { csvType: "raw" })).toContain("no input column");
  });
});

describe("readManifest, the platform's dotted field paths", () => {
  it("maps columns to Input fields: ids, urls, text, concepts, metadata, geo and datasets", async () => {
    const path = fixture("dotted.csv");
    const { candidates, rejected, warnings } = await read(path);
    expect(rejected).toEqual([]);
    expect(byId(candidates, "web-1")).toMatchObject({
      source: `${path}:2`,
      relPath: "https://samples.example/x.jpg",
      content: { kind: "url", url: "https://samples.example/x.jpg", declaredKind: "image" },
      concepts: [concept("cat"), concept("dog", 0)],
      metadata: { split: "train", source: { name: "crawler" } },
      geo: { longitude: 10.5, latitude: -20.25 },
      datasetIds: ["ds-a", "ds-b"],
    });
    expect(warnings).toEqual([]);
    expect(byId(candidates, "web-2")).toMatchObject({ content: { kind: "text", text: "Plain text from the web uploader" }, concepts: [concept("positive")], datasetIds: ["ds-a"] });
    expect(byId(candidates, "web-3")).toMatchObject({ content: { kind: "url", declaredKind: "image" }, prompt: "What is in this picture?" });
  });

  it("reads video, audio and text URLs, camelCase names, and metadata keys without a JSON column", async () => {
    const header = "input.id,input.data.video.url,input.data.audio.url,input.data.text.url,input.data.geo.geoPoint.longitude,input.data.geo.geoPoint.latitude,input.datasetIds[0],input.data.metadata.tags[1]";
    const path = temp("dotted.csv", `${header}\nv,https://s.example/v.mp4,,,1,2,d,second\na,,https://s.example/a.wav,,,,,\nt,,,https://s.example/t.txt,,,,\n`);
    const { candidates, rejected } = await read(path);
    expect(rejected).toEqual([]);
    expect(byId(candidates, "v")).toMatchObject({ content: { kind: "url", declaredKind: "video" }, geo: { longitude: 1, latitude: 2 }, datasetIds: ["d"] });
    expect(byId(candidates, "v").metadata).toEqual({ tags: [undefined, "second"] });
    expect(byId(candidates, "a").content).toMatchObject({ kind: "url", declaredKind: "audio" });
    expect(byId(candidates, "t").content).toMatchObject({ kind: "url", declaredKind: "text" });
  });

  it("rejects bad concept values, two media and bad metadata JSON; warns about base64", async () => {
    const header = "input.id,input.data.image.url,input.data.video.url,input.data.image.base64,input.data.concepts[0].id,input.data.concepts[0].value,input.data.metadata";
    const rows = ["a,https://s.example/a.jpg,,,cat,yes,", "b,https://s.example/b.jpg,https://s.example/b.mp4,,,,", "c,https://s.example/c.jpg,,,,,[1]", "d,,,aGVsbG8=,,,", "e,https://s.example/e.jpg,,,,0.5,"];
    const path = temp("dotted.csv", `${header}\n${rows.join("\n")}\n`);
    const { candidates, rejected, warnings } = await read(path);
    expect(rejected.map((rejection) => [rejection.source, rejection.reason])).toEqual([
      [`${path}:2`, "bad_concept"],
      [`${path}:3`, "ambiguous_content"],
      [`${path}:4`, "bad_metadata"],
      [`${path}:5`, "no_content"],
      [`${path}:6`, "bad_concept"],
    ]);
    expect(candidates).toEqual([]);
    expect(warnings.map((warning) => warning.source)).toEqual([`${path}:5`]);
    expect(warnings[0]?.message).toContain("base64 is not read");
  });

  it("refuses a column that is not an Input field, naming it", async () => {
    const message = await usageError(fixture("unknown-dotted.csv"));
    expect(message).toContain('"input.data.colour"');
    expect(message).toContain(fixture("unknown-dotted.csv"));
    expect(await usageError(temp("d.csv", "input.id,input.data.concepts.id\n"))).toContain("is a list");
    expect(await usageError(temp("d.csv", "input.id,input.data\n"))).toContain("name one of its fields");
    expect(await usageError(temp("d.csv", "input.data.image.url,input.data.image.url\n"))).toContain("appears twice");
    expect(await usageError(temp("d.csv", "input.dataset_ids[0],input.datasetIds[0]\n"))).toContain("name the same field");
    expect(await usageError(temp("d.csv", "input.id,name\n"))).toContain('"name"');
  });
});

describe("readManifest, header and options", () => {
  it("refuses a header that fits no dialect, hinting at the delimiter when it is one column", async () => {
    expect(await usageError(fixture("no-dialect.csv"))).toContain("matches no manifest dialect");
    expect(await usageError(fixture("simple.tsv"), { delimiter: "," })).toContain("is the delimiter right?");
    expect(await usageError(fixture("simple.csv"), { csvType: "url" })).toContain("--csv-type applies to the Python SDK's CSV");
  });

  it("refuses bad options at once and a missing manifest on the first read", async () => {
    const report: SourceReport = { rejected: () => undefined, warning: () => undefined };
    expect(() => readManifest(fixture("simple.csv"), report, { delimiter: '"' })).toThrow(UsageError);
    expect(() => readManifest(fixture("simple.csv"), report, { csvType: "json" as "raw" })).toThrow(UsageError);
    expect(await usageError(fixture("no-such.csv"))).toContain("ENOENT");
  });

  it("takes a delimiter option, with tab spelled out", async () => {
    const semicolons = await read(temp("list.txt", "id;text\na;one, two\n"), { delimiter: ";" });
    expect(semicolons.candidates[0]?.content).toEqual({ kind: "text", text: "one, two" });
    const tabs = await read(temp("list.txt", "id\ttext\na\tone\n"), { delimiter: "tab" });
    expect(tabs.candidates[0]?.id).toBe("a");
  });

  it("tells a file's dialect from its header alone", async () => {
    expect(await manifestDialect(fixture("simple.csv"))).toBe("simple");
    expect(await manifestDialect(fixture("sdk-raw.csv"), { csvType: "raw" })).toBe("sdk");
    expect(await manifestDialect(fixture("dotted.csv"))).toBe("dotted");
    await expect(manifestDialect(fixture("no-dialect.csv"))).rejects.toThrow(UsageError);
  });

  it("reads stdin ('-'), resolving files against the current folder", async () => {
    const file = resolve(MEDIA, "image.jpg");
    const stdin = Readable.from([`id,file,url\ns1,${file},\ns2,,https://samples.example/s.jpg\n`]);
    const { candidates, rejected } = await read("-", { stdin });
    expect(rejected).toEqual([]);
    expect(candidates.map((candidate) => candidate.source)).toEqual(["-:2", "-:3"]);
    expect(candidates[1]?.relPath).toBe("https://samples.example/s.jpg");
    expect(candidates[0]?.content.kind).toBe("bytes");
  });

  it("yields a row as soon as it is read, before the manifest ends", async () => {
    const stdin = new PassThrough();
    const report: SourceReport = { rejected: () => undefined, warning: () => undefined };
    const rows = readManifest("-", report, { stdin })[Symbol.asyncIterator]();
    // The parser looks a few characters past a line end (it could be a CRLF) before it ends a row.
    stdin.write("id,text\nfirst,one\nsec");
    expect((await rows.next()).value).toMatchObject({ id: "first", source: "-:2" });
    stdin.end("ond,two\n");
    expect((await rows.next()).value).toMatchObject({ id: "second", source: "-:3" });
    expect((await rows.next()).done).toBe(true);
  });

  it("warns about an empty manifest and refuses a header that is not valid CSV", async () => {
    const empty = await read(temp("empty.csv", "\n\n"));
    expect(empty.candidates).toEqual([]);
    expect(empty.warnings.map((warning) => warning.message)).toEqual([expect.stringContaining("the manifest is empty")]);
    expect(await usageError(temp("broken.csv", 'id,"text\na,b\n'))).toContain("header is not valid CSV");
  });

  it("changes a row's fingerprint when the row changes, not when only its line moves", async () => {
    const first = await read(temp("a.csv", "id,url\na,https://samples.example/a.jpg\n"));
    const moved = await read(temp("a.csv", "id,url\n\nb,https://samples.example/b.jpg\na,https://samples.example/a.jpg\n"));
    const changed = await read(temp("a.csv", "id,url,concepts\na,https://samples.example/a.jpg,cat\n"));
    expect(byId(moved.candidates, "a").fingerprint).toBe(byId(first.candidates, "a").fingerprint);
    expect(byId(changed.candidates, "a").fingerprint).not.toBe(byId(first.candidates, "a").fingerprint);
  });
});

describe("readManifest reads --failed-out back", () => {
  it("knows every column --failed-out writes", () => {
    const known = new Set<string>([...SIMPLE_COLUMNS, "reason", "message"]);
    expect(FAILED_OUT_COLUMNS.filter((column) => !known.has(column))).toEqual([]);
  });

  it("takes the file it wrote, absolute paths and extra columns included", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cu-failed-")), "failed.csv");
    const writer = new FailedOutWriter(path);
    const image = resolve(MEDIA, "image.jpg");
    writer.listener({ type: "input", id: "img-1", source: image, status: "rejected", reason: "too_large", message: 'too big, "really"', bytes: 0 });
    writer.listener({ type: "input", id: "url-1", source: "https://samples.example/x.jpg", status: "failed", reason: "INPUT_DOWNLOAD_FAILED", message: "404", bytes: 0 });
    writer.listener({ type: "input", source: resolve(MEDIA, "text.txt"), status: "rejected", reason: "not_utf8", message: "bad,\nbytes", bytes: 0 });
    writer.close();
    expect(writer.rows).toBe(3);

    const { candidates, rejected, warnings } = await read(path);
    expect(rejected).toEqual([]);
    expect(warnings).toEqual([]);
    expect(candidates.map((candidate) => [candidate.id, candidate.content.kind])).toEqual([
      ["img-1", "bytes"],
      ["url-1", "url"],
      [undefined, "bytes"],
    ]);
    const first = candidates[0] as Candidate;
    if (first.content.kind !== "bytes") throw new Error("bytes expected");
    expect(await first.content.bytes.all()).toEqual(readFileSync(image));
    expect(candidates[1]?.content).toEqual({ kind: "url", url: "https://samples.example/x.jpg", declaredKind: undefined });
  });
});
