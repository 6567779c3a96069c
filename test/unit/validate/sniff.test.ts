import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { SNIFF_HEAD_BYTES, findTextProblem, findTextProblemInChunks, kindOfMime, sniff, sniffExtension } from "../../../src/validate/sniff.js";
import { fixture, pngHeader, tiffWithIfdAt } from "./helpers.js";

async function sniffFixture(path: string): Promise<Awaited<ReturnType<typeof sniff>>> {
  const bytes = await readFile(path);
  const head = bytes.subarray(0, SNIFF_HEAD_BYTES);
  return sniff(head, path, { complete: head.length === bytes.length });
}

describe("sniff: every supported format by its magic bytes", () => {
  it.each([
    ["media/image.jpg", "image", "jpeg"],
    ["media/exif-big.jpg", "image", "jpeg"],
    ["media/image.png", "image", "png"],
    ["media/image.tiff", "image", "tiff"],
    ["media/image.bmp", "image", "bmp"],
    ["media/image.webp", "image", "webp"],
    ["media/image.gif", "image", "gif"],
    ["media/video.mp4", "video", "mp4"],
    ["media/video.mov", "video", "mov"],
    ["media/video.avi", "video", "avi"],
    ["media/video.wmv", "video", "wmv"],
    ["media/video.3gp", "video", "3gp"],
    ["media/audio.wav", "audio", "wav"],
    ["media/text.txt", "text", "plain"],
    ["media/table.csv", "text", "csv"],
    ["media/table.tsv", "text", "tsv"],
  ] as const)("%s is %s/%s and its extension agrees", async (path, kind, format) => {
    const sniffed = await sniffFixture(fixture(path));
    expect(sniffed.kind).toBe(kind);
    expect(sniffed.format).toBe(format);
    expect(sniffed.extensionKind).toBe(kind);
    expect(sniffed.extensionFormat).toBe(format);
  });
});

describe("sniff: unsupported formats keep a useful name", () => {
  it.each([
    ["broken/song.mp3", "mp3", "audio/mpeg"],
    ["broken/song.flac", "flac", "audio/flac"],
    ["broken/song.wma", "wma", "audio/x-ms-wma"],
    ["broken/document.pdf", "pdf", "application/pdf"],
  ])("%s is unsupported %s", async (path, format, mime) => {
    const sniffed = await sniffFixture(fixture(path));
    expect(sniffed.kind).toBeUndefined();
    expect(sniffed.format).toBe(format);
    expect(sniffed.mime).toBe(mime);
  });

  it("names HEIC, ZIP and Matroska from synthetic headers", async () => {
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from("ftypheic\0\0\0\0mif1heic", "latin1"), Buffer.alloc(64)]);
    expect(await sniff(heic, "photo.heic")).toMatchObject({ kind: undefined, format: "heic", extensionKind: "image", extensionFormat: "heic" });
    const zip = Buffer.concat([Buffer.from("PK\x03\x04\x14\0\0\0\0\0", "latin1"), Buffer.alloc(40)]);
    expect((await sniff(zip, "a.zip")).format).toBe("zip");
  });

  it("calls unknown binary data binary and UTF-8 text under a non-text name text", async () => {
    expect(await sniffFixture(fixture("broken/random.bin"))).toMatchObject({ kind: undefined, format: "binary" });
    expect(await sniffFixture(fixture("broken/text-named.jpg"))).toMatchObject({
      kind: undefined,
      format: "text",
      extensionKind: "image",
      extensionFormat: "jpeg",
    });
    expect(await sniff(Buffer.from("# Title\n"), "README.md", { complete: true })).toMatchObject({ kind: undefined, format: "text" });
    expect(await sniff(Buffer.from("no extension\n"), "LICENSE", { complete: true })).toMatchObject({ kind: undefined, format: "text" });
  });
});

describe("sniff: content wins over the extension", () => {
  it("a PNG named .jpg is a PNG, and the extension's format is reported", async () => {
    expect(await sniffFixture(fixture("broken/png-named.jpg"))).toMatchObject({
      kind: "image",
      format: "png",
      extensionKind: "image",
      extensionFormat: "jpeg",
    });
  });

  it("a JPEG named .txt is a JPEG", async () => {
    expect(await sniffFixture(fixture("broken/jpeg-named.txt"))).toMatchObject({ kind: "image", format: "jpeg", extensionKind: "text" });
  });

  it("a TIFF whose first directory lies past the head is still a TIFF", async () => {
    const head = tiffWithIfdAt(3000, 2000, 5_000_000).subarray(0, SNIFF_HEAD_BYTES);
    expect(await sniff(head, "scan.tif")).toMatchObject({ kind: "image", format: "tiff", extensionFormat: "tiff" });
  });

  it("a header declaring a huge image is still just a PNG to the sniffer", async () => {
    expect(await sniff(pngHeader(10000, 9000), "big.png")).toMatchObject({ kind: "image", format: "png" });
  });

  it("expectText makes UTF-8 under any name text", async () => {
    expect(await sniff(Buffer.from("# Title\n"), "README.md", { complete: true, expectText: true })).toMatchObject({
      kind: "text",
      format: "plain",
    });
  });
});

describe("sniff: text", () => {
  it("is text under a text name even when file-type's weak signatures match (BM, MZ, ID3)", async () => {
    for (const start of ["BMW,320i,2019\n", "MZ,Mozambique\n", "ID3 tag notes\n"]) {
      const head = Buffer.from(start.repeat(20));
      expect(await sniff(head, "cars.csv", { complete: true })).toMatchObject({ kind: "text", format: "csv" });
    }
  });

  it("does not take text starting with BM for a BMP", async () => {
    expect(await sniff(Buffer.from("BMW,320i\n".repeat(10)), "cars.bmp", { complete: true })).toMatchObject({
      kind: undefined,
      format: "text",
    });
  });

  it("accepts a head that cuts a multi-byte character at its end, unless the head is the whole file", async () => {
    const text = Buffer.from("abc 日本語");
    for (let cut = text.length - 1; cut > text.length - 3; cut--) {
      const head = text.subarray(0, cut);
      expect((await sniff(head, "a.txt", { complete: false })).kind).toBe("text");
      expect(await sniff(head, "a.txt", { complete: true })).toMatchObject({ kind: undefined, format: "binary" });
    }
    const emoji = Buffer.from("x🙂");
    expect((await sniff(emoji.subarray(0, 3), "a.txt", { complete: false })).kind).toBe("text");
  });

  it("rejects NUL bytes, invalid UTF-8 and UTF-16 under a text name", async () => {
    expect(await sniff(Buffer.from("ab\0cd"), "a.txt", { complete: true })).toMatchObject({ kind: undefined, format: "binary" });
    expect(await sniffFixture(fixture("broken/latin1.txt"))).toMatchObject({ kind: undefined, format: "binary" });
    expect(await sniffFixture(fixture("broken/utf16.txt"))).toMatchObject({ kind: undefined, format: "utf-16" });
  });

  it("accepts a UTF-8 byte order mark", async () => {
    expect((await sniff(Buffer.from("\uFEFFa,b\n1,2\n"), "t.csv", { complete: true })).kind).toBe("text");
  });
});

describe("findTextProblem", () => {
  it("says where the text stops being UTF-8", () => {
    expect(findTextProblem(Buffer.from("plain"), true)).toBeUndefined();
    expect(findTextProblem(Buffer.from([0x61, 0x62, 0xe9, 0x61]), true)).toBe("invalid UTF-8 byte 0xE9 at offset 2");
    expect(findTextProblem(Buffer.from([0x61, 0x00, 0x62]), true)).toBe("a NUL byte at offset 1 (binary data)");
    expect(findTextProblem(Buffer.from([0xc0, 0x80]), true)).toBe("invalid UTF-8 byte 0xC0 at offset 0"); // overlong NUL
    expect(findTextProblem(Buffer.from([0x61, 0xed, 0xa0, 0x80]), true)).toBe("invalid UTF-8 byte 0xED at offset 1"); // surrogate
    expect(findTextProblem(Buffer.from([0xf4, 0x90, 0x80, 0x80]), true)).toBe("invalid UTF-8 byte 0xF4 at offset 0"); // > U+10FFFF
    expect(findTextProblem(Buffer.from([0x61, 0xe6, 0x97]), true)).toBe("invalid UTF-8 byte 0xE6 at offset 1"); // cut at the end
    expect(findTextProblem(Buffer.from([0x61, 0xe6, 0x97]), false)).toBeUndefined();
    expect(findTextProblem(Buffer.from([0x61, 0xe6, 0x97, 0x41]), false)).toBe("invalid UTF-8 byte 0xE6 at offset 1");
  });
});

describe("findTextProblemInChunks", () => {
  /** The bytes cut into chunks at `cuts`, each chunk's memory overwritten once the next is asked for, as file chunks are. */
  async function* chunked(bytes: Buffer, cuts: number[]): AsyncGenerator<Uint8Array> {
    const scratch = Buffer.alloc(bytes.length);
    let start = 0;
    for (const end of [...cuts, bytes.length]) {
      const chunk = scratch.subarray(0, end - start);
      bytes.copy(chunk, 0, start, end);
      yield chunk;
      chunk.fill(0xff);
      start = end;
    }
  }
  const check = (bytes: Buffer | number[], cuts: number[]) => findTextProblemInChunks(chunked(Buffer.from(bytes), cuts));

  it("finds what findTextProblem finds in the whole, wherever the chunks end", async () => {
    const text = Buffer.from("añb世c😀d", "utf8");
    for (let cut = 1; cut < text.length; cut++) {
      expect(await check(text, [cut])).toBeUndefined();
      expect(await check(text, [1, cut].filter((value, index, all) => all.indexOf(value) === index).sort((a, b) => a - b))).toBeUndefined();
    }
    const bad = Buffer.concat([Buffer.from("ab世"), Buffer.from([0xe9]), Buffer.from("z")]);
    for (let cut = 1; cut < bad.length; cut++) expect(await check(bad, [cut])).toBe("invalid UTF-8 byte 0xE9 at offset 5");
  });

  it("reports NUL bytes, a character cut by the end and a UTF-16 byte order mark at their offsets in the whole", async () => {
    expect(await check(Buffer.from("abcdef\0gh"), [3])).toBe("a NUL byte at offset 6 (binary data)");
    expect(await check([0x61, 0x62, 0xe6, 0x97], [3])).toBe("invalid UTF-8 byte 0xE6 at offset 2");
    expect(await check([0xff, 0xfe, 0x61, 0x00], [3])).toBe("a UTF-16 byte order mark (0xFF 0xFE)");
    expect(await check(Buffer.from("only text"), [])).toBeUndefined();
  });
});

describe("sniffExtension and kindOfMime", () => {
  it.each([
    ["a.JPG", "image", "jpeg"],
    ["a.jpeg", "image", "jpeg"],
    ["a.tif", "image", "tiff"],
    ["a.m4v", "video", "mp4"],
    ["a.qt", "video", "mov"],
    ["a.asf", "video", "wmv"],
    ["a.3gpp", "video", "3gp"],
    ["a.mp3", "audio", "mp3"],
    ["a.md", "text", "md"],
    ["a.log", "text", "log"],
    ["a.csv", "text", "csv"],
    ["dir.v2/a.text", "text", "plain"],
  ] as const)("%s -> %s/%s", (name, kind, format) => {
    expect(sniffExtension(name)).toMatchObject({ kind, format });
  });

  it("knows nothing about unknown or missing extensions", () => {
    expect(sniffExtension("a.nosuchext")).toEqual({ extension: "nosuchext" });
    expect(sniffExtension("Makefile")).toEqual({ extension: "" });
    expect(sniffExtension("a.pdf")).toEqual({ extension: "pdf", format: "pdf", mime: "application/pdf" });
  });

  it("maps media types to kinds", () => {
    expect(kindOfMime("audio/mpeg")).toBe("audio");
    expect(kindOfMime("application/pdf")).toBeUndefined();
    expect(kindOfMime(undefined)).toBeUndefined();
  });
});
