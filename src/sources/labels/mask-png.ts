import { crc32, deflateSync } from "node:zlib";
import { type RleMask, rleToRows } from "./coco-rle.js";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** The grey level of a pixel inside the mask; pixels outside are 0. */
export const MASK_ON = 255;

/**
 * A mask as the platform's `RegionInfo.mask.image`: a PNG the size of the image, 8-bit
 * greyscale, 255 inside the mask and 0 outside. Deflate makes the long runs of a mask
 * small (a 640 x 480 crowd mask is typically a few kilobytes).
 */
export function maskPng(mask: RleMask): Buffer {
  const pixels = rleToRows(mask);
  const raw = Buffer.alloc(mask.height * (mask.width + 1));
  for (let row = 0; row < mask.height; row++) {
    const start = row * (mask.width + 1); // each row: filter type 0 (none), then its pixels
    for (let col = 0; col < mask.width; col++) raw[start + 1 + col] = pixels[row * mask.width + col] ? MASK_ON : 0;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(mask.width, 0);
  header.writeUInt32BE(mask.height, 4);
  header.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
  return Buffer.concat([SIGNATURE, chunk("IHDR", header), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
