import { copyFile, mkdtemp, readdir, rm, truncate, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ByteSource, Candidate } from "../../../src/sources/candidate.js";
import { MAX_IMAGE_PIXELS, MiB } from "../../../src/validate/limits.js";
import { MAX_HEADER_BYTES, REJECT_REASONS, validate, type Accepted, type Rejected } from "../../../src/validate/validate.js";
import {
  bufferByteSource,
  candidate,
  fileByteSource,
  fileCandidate,
  fixture,
  FIXTURES,
  jpegWithSegments,
  newReadLog,
  pngHeader,
  tiffWithIfdAt,
} from "./helpers.js";

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "clarifai-upload-validate-"));
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function accepted(result: Accepted | Rejected): Accepted {
  if (result.status !== "accepted") throw new Error(`expected accepted, got ${result.reason}: ${result.message}`);
  return result;
}

function rejected(result: Accepted | Rejected): Rejected {
  if (result.status !== "rejected") throw new Error(`expected rejected, got ${result.kind}/${result.format}`);
  return result;
}

/** A temporary file: `head` followed by zeros up to `size` bytes (sparse where the file system allows). */
async function sparseFile(name: string, head: Buffer, size: number): Promise<string> {
  const path = join(tmp, name);
  await writeFile(path, head);
  await truncate(path, size);
  return path;
}

async function validateFile(path: string, options: Parameters<typeof fileCandidate>[1] = {}): Promise<Accepted | Rejected> {
  return validate(await fileCandidate(path, options));
}

describe("every valid fixture is accepted with the right kind and format", () => {
  it.each([
    ["image.jpg", "image", "jpeg"],
    ["exif-big.jpg", "image", "jpeg"],
    ["image.png", "image", "png"],
    ["image.tiff", "image", "tiff"],
    ["image.bmp", "image", "bmp"],
    ["image.webp", "image", "webp"],
    ["image.gif", "image", "gif"],
    ["video.mp4", "video", "mp4"],
    ["video.mov", "video", "mov"],
    ["video.avi", "video", "avi"],
    ["video.wmv", "video", "wmv"],
    ["video.3gp", "video", "3gp"],
    ["audio.wav", "audio", "wav"],
    ["text.txt", "text", "plain"],
    ["table.csv", "text", "csv"],
    ["table.tsv", "text", "tsv"],
  ] as const)("%s: %s/%s", async (name, kind, format) => {
    const path = fixture("media", name);
    const log = newReadLog();
    const result = accepted(await validateFile(path, { log }));
    expect(result.kind).toBe(kind);
    expect(result.format).toBe(format);
    expect(result.size).toBe((await fileByteSource(path)).size);
    expect(result.warnings).toEqual([]);
    if (kind === "image") expect([result.width, result.height]).toEqual([32, 24]);
    else expect(result.width).toBeUndefined();
    expect(log.alls).toBe(0); // small files: the first head is the whole file, even for text
  });

  it("every file of the folder tree fixture is accepted", async () => {
    const paths = (await readdir(fixture("tree"), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name));
    expect(paths.map((p) => relative(FIXTURES, p)).sort()).toEqual([
      "tree/.hidden/x.jpg",
      "tree/cats/a.jpg",
      "tree/cats/b.webp",
      "tree/dogs/.hidden-file.png",
      "tree/dogs/c.png",
      "tree/nested/deeper/d.gif",
      "tree/notes.txt",
    ]);
    for (const path of paths) expect((await validateFile(path)).status).toBe("accepted");
  });
});

describe("every broken fixture is rejected with its reason, and the message names the file", () => {
  it.each([
    ["empty.jpg", "empty", "the file is empty (0 bytes)"],
    ["song.mp3", "unsupported_format", "MP3 audio is not a format the platform accepts; it accepts audio as WAV"],
    ["song.flac", "unsupported_format", "FLAC audio is not a format the platform accepts; it accepts audio as WAV"],
    ["song.wma", "unsupported_format", "WMA audio is not a format the platform accepts; it accepts audio as WAV"],
    ["document.pdf", "unsupported_format", "PDF is not a format the platform accepts; it accepts images as JPEG, PNG, TIFF"],
    ["random.bin", "unsupported_format", "unrecognised file format; the platform accepts images as JPEG"],
    ["text-named.jpg", "unsupported_format", "the content is text, but the extension .jpg says JPEG image"],
    ["latin1.txt", "not_utf8", "not UTF-8 text (invalid UTF-8 byte 0xE9 at offset 3); the platform accepts text in UTF-8 only"],
    ["utf16.txt", "not_utf8", "not UTF-8 text (it starts with a UTF-16 byte order mark, so it is UTF-16 text)"],
  ] as const)("%s: %s", async (name, reason, text) => {
    const path = fixture("broken", name);
    const result = rejected(await validateFile(path));
    expect(result.reason).toBe(reason);
    expect(result.message).toContain(`${path}: ${text}`);
    expect(REJECT_REASONS).toContain(result.reason);
  });

  it("truncated.jpg passes: its header is intact, only the platform's decoding can fail it", async () => {
    const result = accepted(await validateFile(fixture("broken", "truncated.jpg")));
    expect(result).toMatchObject({ kind: "image", format: "jpeg", width: 32, height: 24, warnings: [] });
  });
});

describe("content wins over the extension, with a warning", () => {
  it("a PNG named .jpg is accepted as a PNG", async () => {
    const path = fixture("broken", "png-named.jpg");
    const result = accepted(await validateFile(path));
    expect(result).toMatchObject({ kind: "image", format: "png", width: 32, height: 24 });
    expect(result.warnings).toEqual([
      `${path}: the extension .jpg says JPEG image but the content is PNG image; uploading it as PNG image`,
    ]);
  });

  it("a JPEG named .txt is accepted as an image", async () => {
    const path = fixture("broken", "jpeg-named.txt");
    const result = accepted(await validateFile(path));
    expect(result).toMatchObject({ kind: "image", format: "jpeg" });
    expect(result.warnings).toEqual([
      `${path}: the extension .txt says plain text but the content is JPEG image; uploading it as JPEG image`,
    ]);
  });

  it("no warning between MP4 and MOV, which are one family", async () => {
    const path = join(tmp, "clip.mp4");
    await copyFile(fixture("media", "video.mov"), path);
    expect(accepted(await validateFile(path))).toMatchObject({ kind: "video", format: "mov", warnings: [] });
  });

  it("a declared kind that disagrees with the content is a warning", async () => {
    const result = accepted(await validateFile(fixture("media", "image.jpg"), { declaredKind: "video" }));
    expect(result.kind).toBe("image");
    expect(result.warnings).toEqual([`${fixture("media", "image.jpg")}: declared video but the content is JPEG image; uploading it as image`]);
  });

  it("declared text makes a UTF-8 file of any name a text input", async () => {
    const path = join(tmp, "README.md");
    await writeFile(path, "# Title\n\nSome words.\n");
    expect(rejected(await validateFile(path)).reason).toBe("unsupported_format");
    expect(accepted(await validateFile(path, { declaredKind: "text" }))).toMatchObject({ kind: "text", format: "plain" });
  });
});

describe("pixel limit: at most 85 megapixels, from the header only", () => {
  it("accepts exactly 85,000,000 pixels and rejects 85,000,001", async () => {
    expect(MAX_IMAGE_PIXELS).toBe(85_000_000);
    const ok = await sparseFile("85mp.png", pngHeader(10000, 8500), 4096);
    expect(accepted(await validateFile(ok))).toMatchObject({ width: 10000, height: 8500 });
    const over = await sparseFile("85mp-plus-one.png", pngHeader(389, 218509), 4096); // 389 x 218,509 = 85,000,001
    const result = rejected(await validateFile(over));
    expect(result.reason).toBe("too_many_pixels");
    expect(result.message).toBe(
      `${over}: image is 389 x 218509 = 85,000,001 pixels (85.0 megapixels); the platform accepts at most 85,000,000 pixels (85 megapixels)`,
    );
  });

  it("rejects a 10000 x 9000 JPEG whose frame header is behind 150 KB of EXIF", async () => {
    const path = await sparseFile("90mp.jpg", jpegWithSegments(10000, 9000, 3, 50_000), 300_000);
    const log = newReadLog();
    const result = rejected(await validateFile(path, { log }));
    expect(result.reason).toBe("too_many_pixels");
    expect(result.message).toContain("10000 x 9000 = 90,000,000 pixels (90.0 megapixels)");
    expect(log.alls).toBe(0);
  });
});

describe("size limits at the boundaries (generated sparse files)", () => {
  const jpeg = jpegWithSegments(64, 48, 1, 100);

  it.each([
    ["image", "big.jpg", jpeg, 20 * MiB],
    ["video", "big.mp4", "video.mp4", 128 * MiB],
    ["video", "big.avi", "video.avi", 128 * MiB],
    ["audio", "big.wav", "audio.wav", 20 * MiB],
  ] as const)("%s %s: limit - 1 accepted, limit rejected", async (kind, name, content, limit) => {
    const head = typeof content === "string" ? (await fileByteSource(fixture("media", content))).head(4096) : Promise.resolve(content);
    const below = await sparseFile(`below-${name}`, await head, limit - 1);
    expect(accepted(await validateFile(below))).toMatchObject({ kind, size: limit - 1 });
    const at = await sparseFile(name, await head, limit);
    const result = rejected(await validateFile(at));
    expect(result.reason).toBe("too_large");
    expect(result.message).toMatch(new RegExp(`^${escape(at)}: ${kind} is ${groupDigits(limit)} bytes; the platform accepts .* under ${limit / MiB} MiB \\(${groupDigits(limit)} bytes\\)`));
  });

  it("says the size in MiB when it is clearly over", async () => {
    const path = await sparseFile("huge.jpg", jpeg, Math.round(21.3 * MiB));
    expect(rejected(await validateFile(path)).message).toBe(`${path}: image is 21.3 MiB; the platform accepts images under 20 MiB`);
  });

  it("text: 20 MiB - 1 of UTF-8 accepted (read whole), 20 MiB rejected without reading", async () => {
    const below = join(tmp, "below.txt");
    await writeFile(below, Buffer.alloc(20 * MiB - 1, "a"));
    const log = newReadLog();
    expect(accepted(await validateFile(below, { log }))).toMatchObject({ kind: "text", format: "plain", size: 20 * MiB - 1 });
    expect(log.alls).toBe(1);
    const at = join(tmp, "at.csv");
    await writeFile(at, Buffer.alloc(20 * MiB, "b"));
    const atLog = newReadLog();
    const result = rejected(await validateFile(at, { log: atLog }));
    expect(result.reason).toBe("too_large");
    expect(result.message).toContain(`${at}: text is 20,971,520 bytes; the platform accepts text under 20 MiB`);
    expect(atLog.alls).toBe(0);
  });

  it("a video file at the limit suggests uploading by URL", async () => {
    const path = await sparseFile("long.mov", await (await fileByteSource(fixture("media", "video.mov"))).head(4096), 200 * MiB);
    expect(rejected(await validateFile(path)).message).toBe(
      `${path}: video is 200.0 MiB; the platform accepts video files under 128 MiB (a larger video, up to 300 MB or 10 minutes, can be uploaded by URL)`,
    );
  });
});

describe("images whose header lies past the first head", () => {
  it("reads a larger head for a JPEG with big EXIF, and never the whole file", async () => {
    const log = newReadLog();
    const result = accepted(await validateFile(fixture("media", "exif-big.jpg"), { log }));
    expect(result).toMatchObject({ width: 32, height: 24 });
    expect(log.heads.length).toBe(2);
    expect(log.alls).toBe(0);
  });

  it("follows 300 KB of APPn segments in a few reads", async () => {
    const path = await sparseFile("exif-300k.jpg", jpegWithSegments(4000, 3000, 5, 60_000), 2 * MiB);
    const log = newReadLog();
    expect(accepted(await validateFile(path, { log }))).toMatchObject({ width: 4000, height: 3000 });
    expect(log.heads.length).toBeLessThanOrEqual(5);
    expect(Math.max(...log.heads)).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  });

  it("gives up as unreadable when the frame header is not within 1 MiB", async () => {
    const path = await sparseFile("exif-1m.jpg", jpegWithSegments(100, 100, 20, 60_000), 3 * MiB);
    const log = newReadLog();
    const result = rejected(await validateFile(path, { log }));
    expect(result.reason).toBe("unreadable");
    expect(result.message).toMatch(new RegExp(`^${escape(path)}: cannot read the JPEG image header: no dimensions in the first 1.0 MiB`));
    expect(Math.max(...log.heads)).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  });

  it("reads a TIFF whose first directory is at the end of the file", async () => {
    const path = join(tmp, "ifd-at-end.tiff");
    await writeFile(path, tiffWithIfdAt(3000, 2000, 5 * MiB));
    expect(accepted(await validateFile(path))).toMatchObject({ kind: "image", format: "tiff", width: 3000, height: 2000 });
  });

  it("rejects a JPEG cut inside its header as unreadable", async () => {
    const path = join(tmp, "cut.jpg");
    await writeFile(path, jpegWithSegments(10, 10, 1, 5000).subarray(0, 3000));
    const result = rejected(await validateFile(path));
    expect(result.reason).toBe("unreadable");
    expect(result.message).toBe(`${path}: cannot read the JPEG image header: the file ends after 3000 bytes, inside its header`);
  });
});

describe("text files", () => {
  it("finds invalid UTF-8 past the first head", async () => {
    const path = join(tmp, "late.txt");
    await writeFile(path, Buffer.concat([Buffer.alloc(10_000, "a"), Buffer.from([0xe9]), Buffer.from("tail")]));
    const result = rejected(await validateFile(path));
    expect(result.reason).toBe("not_utf8");
    expect(result.message).toBe(`${path}: not UTF-8 text (invalid UTF-8 byte 0xE9 at offset 10000); the platform accepts text in UTF-8 only`);
  });

  it("finds a NUL byte past the first head", async () => {
    const path = join(tmp, "nul.csv");
    await writeFile(path, Buffer.concat([Buffer.alloc(5000, "a"), Buffer.from([0]), Buffer.from("b")]));
    expect(rejected(await validateFile(path)).message).toContain("a NUL byte at offset 5000 (binary data)");
  });

  it("accepts a multi-byte character cut by the first head", async () => {
    const path = join(tmp, "cut.txt");
    await writeFile(path, Buffer.concat([Buffer.alloc(4099, "a"), Buffer.from("日本語 text")]));
    expect(accepted(await validateFile(path))).toMatchObject({ kind: "text", format: "plain" });
  });
});

describe("read failures are unreadable, with the OS message", () => {
  it("a file that vanished after discovery", async () => {
    const path = join(tmp, "gone.jpg");
    await copyFile(fixture("media", "image.jpg"), path);
    const c = await fileCandidate(path);
    await unlink(path);
    const result = rejected(await validate(c));
    expect(result.reason).toBe("unreadable");
    expect(result.message).toMatch(new RegExp(`^${escape(path)}: cannot read the file: ENOENT: no such file or directory`));
  });

  it("a permission error and an archive entry error", async () => {
    const failing = (message: string): ByteSource => ({
      size: 1000,
      head: () => Promise.reject(Object.assign(new Error(message), { code: "EACCES" })),
      all: () => Promise.reject(new Error("unexpected")),
    });
    const denied = rejected(await validate(candidate("/data/secret.jpg", { kind: "bytes", bytes: failing("EACCES: permission denied, open '/data/secret.jpg'") })));
    expect(denied).toMatchObject({ reason: "unreadable", message: "/data/secret.jpg: cannot read the file: EACCES: permission denied, open '/data/secret.jpg'" });
    const entry = rejected(await validate(candidate("photos.zip:a/b.png", { kind: "bytes", bytes: failing("invalid compressed data") }, "a/b.png")));
    expect(entry).toMatchObject({ reason: "unreadable", message: "photos.zip:a/b.png: cannot read the file: invalid compressed data" });
  });

  it("a text file that changes size while being read", async () => {
    const bytes = Buffer.alloc(8000, "a");
    const source: ByteSource = { ...bufferByteSource(bytes), all: () => Promise.reject(new Error("read 7000 bytes, expected 8000")) };
    expect(rejected(await validate(candidate("list.txt", { kind: "bytes", bytes: source })))).toMatchObject({
      reason: "unreadable",
      message: "list.txt: cannot read the file: read 7000 bytes, expected 8000",
    });
  });

  it("uses the entry path, not the archive source, for the extension", async () => {
    const png = await (await fileByteSource(fixture("media", "image.png"))).all();
    const result = accepted(await validate(candidate("photos.zip:cats/a.png", { kind: "bytes", bytes: bufferByteSource(png) }, "cats/a.png")));
    expect(result).toMatchObject({ kind: "image", format: "png", warnings: [] });
  });
});

describe("URLs (no network access)", () => {
  const url = (u: string, declaredKind?: "image" | "video" | "audio" | "text"): Candidate =>
    candidate(u, declaredKind === undefined ? { kind: "url", url: u } : { kind: "url", url: u, declaredKind }, u);

  it.each([
    ["https://example.com/a/cat.JPG?sig=abc#x", "image", "jpeg"],
    ["http://example.com/clip.mp4", "video", "mp4"],
    ["https://example.com/sound.wav", "audio", "wav"],
    ["https://example.com/notes.txt", "text", "plain"],
    ["https://example.com/my%20photo.png", "image", "png"],
  ] as const)("%s is %s/%s, size 0", async (u, kind, format) => {
    expect(accepted(await validate(url(u)))).toMatchObject({ kind, format, size: 0, warnings: [] });
  });

  it("takes a declared kind over the extension, with a warning when they disagree", async () => {
    expect(accepted(await validate(url("https://example.com/render?id=3", "image")))).toMatchObject({ kind: "image", format: "unknown", warnings: [] });
    const result = accepted(await validate(url("https://example.com/thumb.jpg", "video")));
    expect(result).toMatchObject({ kind: "video", format: "unknown" });
    expect(result.warnings).toEqual(["https://example.com/thumb.jpg: declared video but the URL's .jpg extension says JPEG image; uploading it as video"]);
  });

  it("rejects URLs the platform cannot fetch", async () => {
    for (const [u, message] of [
      ["not a url", "not a valid URL"],
      ["ftp://example.com/a.jpg", "the platform fetches only http and https URLs, not ftp"],
      ["s3://bucket/a.jpg", "the platform fetches only http and https URLs, not s3 (use a presigned https URL)"],
      ["file:///home/me/a.jpg", "the platform fetches only http and https URLs, not file"],
    ] as const) {
      expect(rejected(await validate(url(u)))).toMatchObject({ reason: "invalid_url", message: `${u}: ${message}` });
    }
  });

  it("rejects unsupported or unknown types", async () => {
    expect(rejected(await validate(url("https://example.com/song.mp3")))).toMatchObject({
      reason: "unsupported_format",
      message: "https://example.com/song.mp3: MP3 audio (from the URL's .mp3 extension) is not a format the platform accepts; it accepts audio as WAV",
    });
    expect(rejected(await validate(url("https://example.com/page")))).toMatchObject({
      reason: "unsupported_format",
      message: "https://example.com/page: cannot tell the input type from the URL (its path has no file extension); declare its type (image, video, audio or text)",
    });
    expect(rejected(await validate(url("https://example.com/doc.pdf"))).reason).toBe("unsupported_format");
  });
});

describe("inline text", () => {
  const text = (t: string): Candidate => candidate("list.csv:7", { kind: "text", text: t });

  it("is accepted with its UTF-8 length", async () => {
    expect(accepted(await validate(text("café 🙂")))).toMatchObject({ kind: "text", format: "plain", size: 10 });
  });

  it("rejects empty, blank, unpaired surrogates and 20 MiB", async () => {
    expect(rejected(await validate(text("")))).toMatchObject({ reason: "empty", message: "list.csv:7: the text is empty" });
    expect(rejected(await validate(text(" \n\t")))).toMatchObject({ reason: "empty" });
    expect(rejected(await validate(text("ab\uD800c")))).toMatchObject({ reason: "not_utf8" });
    expect(accepted(await validate(text("x".repeat(20 * MiB - 1)))).size).toBe(20 * MiB - 1);
    const big = rejected(await validate(text("é".repeat(10 * MiB))));
    expect(big).toMatchObject({ reason: "too_large" });
    expect(big.message).toBe("list.csv:7: text is 20,971,520 bytes in UTF-8; the platform accepts text under 20 MiB (20,971,520 bytes)");
  });
});

describe("reading discipline", () => {
  it("media files are validated from heads only: all() is never called", async () => {
    for (const name of ["image.jpg", "image.tiff", "video.mp4", "video.wmv", "audio.wav"]) {
      const log = newReadLog();
      await validateFile(fixture("media", name), { log });
      expect(log.alls).toBe(0);
      expect(log.heads).toEqual([4100]);
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function groupDigits(n: number): string {
  return n.toLocaleString("en-US");
}
