import { inflateSync } from "node:zlib";

/** A greyscale image read back from a PNG: one byte per pixel, row by row. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Decodes an 8-bit greyscale, non-interlaced PNG (what mask images are), undoing every
 * PNG row filter, so that a test reads a mask back as any PNG reader would.
 */
export function decodeGreyPng(png: Uint8Array): GreyImage {
  const buffer = Buffer.from(png);
  if (buffer.toString("latin1", 1, 4) !== "PNG") throw new Error("not a PNG");
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  while (offset < buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString("latin1", offset + 4, offset + 8);
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[9] !== 0 || body[12] !== 0) throw new Error(`not an 8-bit greyscale non-interlaced PNG (depth ${body[8]}, colour type ${body[9]})`);
    } else if (type === "IDAT") data.push(body);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const pixels = new Uint8Array(width * height);
  for (let row = 0; row < height; row++) {
    const filter = raw[row * (width + 1)];
    for (let col = 0; col < width; col++) {
      const x = raw[row * (width + 1) + 1 + col]!;
      const left = col > 0 ? pixels[row * width + col - 1]! : 0;
      const up = row > 0 ? pixels[(row - 1) * width + col]! : 0;
      const upLeft = row > 0 && col > 0 ? pixels[(row - 1) * width + col - 1]! : 0;
      const predictor = [0, left, up, (left + up) >> 1, paeth(left, up, upLeft)][filter!];
      if (predictor === undefined) throw new Error(`unknown PNG filter ${filter}`);
      pixels[row * width + col] = (x + predictor) & 0xff;
    }
  }
  return { width, height, pixels };
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
