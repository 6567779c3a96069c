/**
 * Image dimensions from the header alone: no image is ever decoded.
 *
 * PNG, GIF and WEBP keep their dimensions in the first 40 bytes; image-size
 * reads GIF and WEBP (PNG, the common case, is read here). JPEG and TIFF may
 * keep them far into the file (a JPEG's frame header comes after its EXIF, ICC
 * and XMP segments; a TIFF's first directory can be anywhere), so they are
 * walked here: the walk says exactly how many leading bytes it needs next,
 * which image-size cannot tell apart from a corrupt file, and it knows every
 * SOFn marker (image-size only SOF0 to SOF2).
 */
import { createRequire } from "node:module";

export type DimensionsResult =
  | { readonly status: "ok"; readonly width: number; readonly height: number }
  /** The header goes on past the head: call again with at least `bytes` leading bytes. */
  | { readonly status: "need"; readonly bytes: number }
  /** The header is malformed; `problem` says how (a phrase for a message). */
  | { readonly status: "invalid"; readonly problem: string };

/**
 * Reads the dimensions of an image of `format` (a `KIND_LIMITS.image` format
 * name) from `head`, its leading bytes. `complete` says that `head` is the
 * whole file, so that running out of bytes is an error, not a request for more.
 */
export function imageDimensions(format: string, head: Buffer, complete: boolean): DimensionsResult {
  const result = dimensionsOf(format, head);
  if (result.status === "need" && complete) {
    return { status: "invalid", problem: `the file ends after ${head.length} bytes, inside its header` };
  }
  if (result.status === "ok" && (result.width <= 0 || result.height <= 0)) {
    return { status: "invalid", problem: `the header declares a ${result.width} x ${result.height} image` };
  }
  return result;
}

function dimensionsOf(format: string, head: Buffer): DimensionsResult {
  switch (format) {
    case "jpeg":
      return jpegDimensions(head);
    case "tiff":
      return tiffDimensions(head);
    case "bmp":
      return bmpDimensions(head);
    case "png":
      return pngDimensions(head);
    case "gif":
      return withImageSize(head, 10);
    case "webp":
      return withImageSize(head, 30);
    default:
      return { status: "invalid", problem: `${format} is not an image format this reader knows` };
  }
}

function need(bytes: number): DimensionsResult {
  return { status: "need", bytes };
}

function invalid(problem: string): DimensionsResult {
  return { status: "invalid", problem };
}

/** The IHDR chunk comes first, after the signature (and after Apple's CgBI chunk in an iOS-optimised PNG). */
function pngDimensions(buf: Buffer): DimensionsResult {
  const ihdrType = buf.length >= 16 && buf.toString("latin1", 12, 16) === "CgBI" ? 28 : 12;
  if (buf.length < ihdrType + 12) return need(ihdrType + 12);
  if (buf.toString("latin1", ihdrType, ihdrType + 4) !== "IHDR") return invalid("its first chunk is not IHDR");
  return { status: "ok", width: buf.readUInt32BE(ihdrType + 4), height: buf.readUInt32BE(ihdrType + 8) };
}

/** image-size, loaded on first use: folders of PNGs and JPEGs never need it. */
let imageSize: typeof import("image-size").imageSize | undefined;

function withImageSize(head: Buffer, headerBytes: number): DimensionsResult {
  if (head.length < headerBytes) return need(headerBytes);
  try {
    imageSize ??= (createRequire(import.meta.url)("image-size") as typeof import("image-size")).imageSize;
    const { width, height } = imageSize(head);
    return { status: "ok", width, height };
  } catch (error) {
    return invalid(error instanceof Error ? error.message : String(error));
  }
}

/** SOFn markers: 0xC0 to 0xCF except DHT (C4), JPG (C8) and DAC (CC). */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Walks the marker segments from SOI to the first frame header (SOFn). */
function jpegDimensions(buf: Buffer): DimensionsResult {
  if (buf.length < 2 || buf[0] !== 0xff || buf[1] !== 0xd8) return invalid("no JPEG start-of-image marker");
  let i = 2;
  for (;;) {
    if (i + 2 > buf.length) return need(i + 2);
    if (buf[i] !== 0xff) return invalid(`no marker at offset ${i} where a segment should start`);
    const marker = buf[i + 1] ?? 0;
    if (marker === 0xff) {
      i++; // a fill byte before the marker
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // standalone markers (TEM, RSTn): no length
      continue;
    }
    if (marker === 0xda || marker === 0xd9 || marker === 0xd8 || marker === 0x00) {
      return invalid(`no frame header (SOF) before marker 0xFF${marker.toString(16).toUpperCase().padStart(2, "0")} at offset ${i}`);
    }
    if (i + 4 > buf.length) return need(i + 4);
    const length = buf.readUInt16BE(i + 2);
    if (length < 2) return invalid(`a segment at offset ${i} declares a length of ${length}`);
    if (isStartOfFrame(marker)) {
      if (i + 9 > buf.length) return need(i + 9);
      return { status: "ok", width: buf.readUInt16BE(i + 7), height: buf.readUInt16BE(i + 5) };
    }
    i += 2 + length;
  }
}

const TIFF_WIDTH = 256;
const TIFF_HEIGHT = 257;
/** More directory entries than this in a first IFD means a corrupt file. */
const TIFF_MAX_ENTRIES = 4096;

/** Reads ImageWidth and ImageLength from the first image file directory (classic TIFF and BigTIFF). */
function tiffDimensions(buf: Buffer): DimensionsResult {
  if (buf.length < 16) return need(16);
  const order = buf.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return invalid("no TIFF byte-order mark");
  const le = order === "II";
  const u16 = (at: number): number => (le ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const u64 = (at: number): number => Number(le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at));
  const version = u16(2);
  if (version !== 42 && version !== 43) return invalid(`TIFF version ${version} is neither TIFF (42) nor BigTIFF (43)`);
  const big = version === 43;
  const ifd = big ? u64(8) : u32(4);
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  if (ifd < 8 || !Number.isSafeInteger(ifd)) return invalid(`the first directory offset ${ifd} is out of range`);
  if (ifd + countSize > buf.length) return need(ifd + countSize);
  const count = big ? u64(ifd) : u16(ifd);
  if (count === 0 || count > TIFF_MAX_ENTRIES) return invalid(`the first directory declares ${count} entries`);
  const end = ifd + countSize + count * entrySize;
  if (end > buf.length) return need(end);
  let width: number | undefined;
  let height: number | undefined;
  for (let at = ifd + countSize; at < end; at += entrySize) {
    const tag = u16(at);
    if (tag !== TIFF_WIDTH && tag !== TIFF_HEIGHT) continue;
    const type = u16(at + 2);
    const valueAt = at + (big ? 12 : 8);
    const value = type === 3 ? u16(valueAt) : type === 4 ? u32(valueAt) : type === 16 && big ? u64(valueAt) : undefined;
    if (value === undefined) return invalid(`tag ${tag} has type ${type}, not SHORT or LONG`);
    if (tag === TIFF_WIDTH) width = value;
    else height = value;
  }
  if (width === undefined || height === undefined) return invalid("the first directory has no ImageWidth or ImageLength");
  return { status: "ok", width, height };
}

/** BMP: the old OS/2 core header keeps 16-bit dimensions, every later one signed 32-bit (negative height: top-down). */
function bmpDimensions(buf: Buffer): DimensionsResult {
  if (buf.length < 26) return need(26);
  if (buf.readUInt32LE(14) === 12) return { status: "ok", width: buf.readUInt16LE(18), height: buf.readUInt16LE(20) };
  return { status: "ok", width: buf.readInt32LE(18), height: Math.abs(buf.readInt32LE(22)) };
}
