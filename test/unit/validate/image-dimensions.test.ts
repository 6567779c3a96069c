import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { imageDimensions } from "../../../src/validate/image-dimensions.js";
import { fixture, jpegSegment, jpegWithSegments, pngChunk, pngHeader, sofPayload, tiffWithIfdAt } from "./helpers.js";

describe("imageDimensions: the fixtures", () => {
  it.each([
    ["image.jpg", "jpeg"],
    ["exif-big.jpg", "jpeg"],
    ["image.png", "png"],
    ["image.tiff", "tiff"],
    ["image.bmp", "bmp"],
    ["image.webp", "webp"],
    ["image.gif", "gif"],
  ])("%s is 32 x 24", async (name, format) => {
    const bytes = await readFile(fixture("media", name));
    expect(imageDimensions(format, bytes, true)).toEqual({ status: "ok", width: 32, height: 24 });
  });
});

describe("imageDimensions: JPEG", () => {
  it("asks for more bytes when the frame header lies past the head, then finds it", async () => {
    const bytes = await readFile(fixture("media", "exif-big.jpg"));
    const first = imageDimensions("jpeg", bytes.subarray(0, 4100), false);
    expect(first.status).toBe("need");
    if (first.status !== "need") return;
    expect(first.bytes).toBeGreaterThan(4100);
    expect(imageDimensions("jpeg", bytes.subarray(0, first.bytes), false).status).toBe("need");
    expect(imageDimensions("jpeg", bytes.subarray(0, first.bytes + 4096), false)).toEqual({ status: "ok", width: 32, height: 24 });
  });

  it("reads every kind of frame header (progressive, lossless, arithmetic)", () => {
    for (const sof of [0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]) {
      expect(imageDimensions("jpeg", jpegWithSegments(640, 480, 1, 100, sof), true)).toEqual({ status: "ok", width: 640, height: 480 });
    }
  });

  it("skips fill bytes and standalone markers", () => {
    const buf = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xff]),
      jpegSegment(0xe0, Buffer.from("JFIF\0\x01\x01\0\0\x01\0\x01\0\0", "latin1")).subarray(1),
      jpegSegment(0xc0, sofPayload(7, 5)),
    ]);
    expect(imageDimensions("jpeg", buf, true)).toEqual({ status: "ok", width: 7, height: 5 });
  });

  it("reports a file that ends inside its header, a scan before any frame, and garbage", () => {
    const whole = jpegWithSegments(10, 10, 2, 1000);
    expect(imageDimensions("jpeg", whole.subarray(0, 1500), true)).toMatchObject({ status: "invalid" });
    const noFrame = Buffer.concat([Buffer.from([0xff, 0xd8]), jpegSegment(0xda, Buffer.alloc(6))]);
    expect(imageDimensions("jpeg", noFrame, true)).toEqual({
      status: "invalid",
      problem: "no frame header (SOF) before marker 0xFFDA at offset 2",
    });
    expect(imageDimensions("jpeg", Buffer.from([0xff, 0xd8, 0x12, 0x34]), true)).toMatchObject({ status: "invalid" });
    expect(imageDimensions("jpeg", Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01]), false)).toMatchObject({ status: "invalid" });
  });

  it("reports zero dimensions", () => {
    expect(imageDimensions("jpeg", jpegWithSegments(0, 10, 0, 0), true)).toEqual({
      status: "invalid",
      problem: "the header declares a 0 x 10 image",
    });
  });
});

describe("imageDimensions: TIFF", () => {
  it("asks for the bytes up to the end of a first directory stored far into the file", () => {
    const tiff = tiffWithIfdAt(12000, 8000, 3_000_000);
    const need = imageDimensions("tiff", tiff.subarray(0, 4100), false);
    expect(need).toEqual({ status: "need", bytes: 3_000_002 });
    const need2 = imageDimensions("tiff", tiff.subarray(0, 3_000_002), false);
    expect(need2).toEqual({ status: "need", bytes: 3_000_002 + 24 });
    expect(imageDimensions("tiff", tiff, true)).toEqual({ status: "ok", width: 12000, height: 8000 });
  });

  it("reads big-endian TIFF with SHORT values and BigTIFF", () => {
    const be = Buffer.alloc(8 + 2 + 24 + 4);
    be.write("MM", 0, "latin1");
    be.writeUInt16BE(42, 2);
    be.writeUInt32BE(8, 4);
    be.writeUInt16BE(2, 8);
    be.set([0x01, 0x00, 0x00, 0x03, 0, 0, 0, 1, 0x01, 0x2c, 0, 0], 10); // width SHORT 300
    be.set([0x01, 0x01, 0x00, 0x03, 0, 0, 0, 1, 0x00, 0xc8, 0, 0], 22); // height SHORT 200
    expect(imageDimensions("tiff", be, true)).toEqual({ status: "ok", width: 300, height: 200 });

    const big = Buffer.alloc(16 + 8 + 2 * 20 + 8);
    big.write("II", 0, "latin1");
    big.writeUInt16LE(43, 2);
    big.writeUInt16LE(8, 4);
    big.writeBigUInt64LE(16n, 8);
    big.writeBigUInt64LE(2n, 16);
    for (const [i, tag, value] of [
      [0, 256, 70000n],
      [1, 257, 2n],
    ] as const) {
      const at = 24 + i * 20;
      big.writeUInt16LE(tag, at);
      big.writeUInt16LE(16, at + 2); // LONG8
      big.writeBigUInt64LE(1n, at + 4);
      big.writeBigUInt64LE(value, at + 12);
    }
    expect(imageDimensions("tiff", big, true)).toEqual({ status: "ok", width: 70000, height: 2 });
  });

  it("reports a directory without dimensions and absurd entry counts", () => {
    const tiff = tiffWithIfdAt(1, 1, 8);
    tiff.writeUInt16LE(300, 10); // first tag is no longer ImageWidth
    expect(imageDimensions("tiff", tiff, true)).toMatchObject({ status: "invalid" });
    const many = tiffWithIfdAt(1, 1, 8);
    many.writeUInt16LE(60000, 8);
    expect(imageDimensions("tiff", many, false)).toMatchObject({ status: "invalid" });
  });
});

describe("imageDimensions: PNG, GIF, BMP, WEBP", () => {
  it("reads a PNG header declaring a huge image without any image data", () => {
    expect(imageDimensions("png", pngHeader(10000, 9000), true)).toEqual({ status: "ok", width: 10000, height: 9000 });
  });

  it("asks for more bytes, or reports a file too short", () => {
    const png = pngHeader(5, 5);
    expect(imageDimensions("png", png.subarray(0, 12), false)).toEqual({ status: "need", bytes: 24 });
    expect(imageDimensions("png", png.subarray(0, 12), true)).toMatchObject({ status: "invalid" });
    expect(imageDimensions("gif", Buffer.from("GIF89a", "latin1"), true)).toMatchObject({ status: "invalid" });
  });

  it("reads the IHDR of an iOS-optimised PNG after its CgBI chunk, and refuses a PNG that does not start with IHDR", () => {
    const png = pngHeader(300, 200);
    const crushed = Buffer.concat([png.subarray(0, 8), pngChunk("CgBI", Buffer.from([0x50, 0x00, 0x20, 0x06])), png.subarray(8)]);
    expect(imageDimensions("png", crushed.subarray(0, 39), false)).toEqual({ status: "need", bytes: 40 });
    expect(imageDimensions("png", crushed, true)).toEqual({ status: "ok", width: 300, height: 200 });
    const noHeader = Buffer.concat([png.subarray(0, 8), pngChunk("IDAT", Buffer.alloc(13))]);
    expect(imageDimensions("png", noHeader, true)).toEqual({ status: "invalid", problem: "its first chunk is not IHDR" });
  });

  it("reads a GIF header (through image-size)", () => {
    const gif = Buffer.from("GIF89a\x40\x01\xf0\x00\x00\x00\x00", "latin1");
    expect(imageDimensions("gif", gif, true)).toEqual({ status: "ok", width: 320, height: 240 });
  });

  it("reads an OS/2 BMP core header and a top-down BMP", () => {
    const core = Buffer.alloc(26);
    core.write("BM", 0, "latin1");
    core.writeUInt32LE(12, 14);
    core.writeUInt16LE(640, 18);
    core.writeUInt16LE(480, 20);
    expect(imageDimensions("bmp", core, true)).toEqual({ status: "ok", width: 640, height: 480 });
    const topDown = Buffer.alloc(54);
    topDown.write("BM", 0, "latin1");
    topDown.writeUInt32LE(40, 14);
    topDown.writeInt32LE(100, 18);
    topDown.writeInt32LE(-50, 22);
    expect(imageDimensions("bmp", topDown, true)).toEqual({ status: "ok", width: 100, height: 50 });
  });

  it("reports a broken WEBP", () => {
    const webp = Buffer.concat([Buffer.from("RIFF\x20\0\0\0WEBPXXXX", "latin1"), Buffer.alloc(20)]);
    expect(imageDimensions("webp", webp, true)).toMatchObject({ status: "invalid" });
  });
});
