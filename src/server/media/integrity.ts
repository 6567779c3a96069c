/**
 * Structural checks that decode enough of a file to tell a whole one from a
 * truncated or corrupt one, per format. Each returns null when the bytes look
 * whole, else the reason they do not.
 */
export function integrityProblem(format: string, bytes: Uint8Array): string | null {
  switch (format) {
    case "jpeg":
      return jpegProblem(bytes);
    case "png":
      return pngProblem(bytes);
    case "gif":
      return gifProblem(bytes);
    case "bmp":
      return bmpProblem(bytes);
    case "webp":
    case "avi":
    case "wav":
      return riffProblem(format, bytes);
    case "mp4":
    case "mov":
    case "3gp":
      return isoBmffProblem(bytes);
    case "wmv":
      return asfProblem(bytes);
    default:
      return null;
  }
}

function be16(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
}

function be32(b: Uint8Array, i: number): number {
  return (((b[i] ?? 0) << 24) | ((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)) >>> 0;
}

function le16(b: Uint8Array, i: number): number {
  return (b[i] ?? 0) | ((b[i + 1] ?? 0) << 8);
}

function le32(b: Uint8Array, i: number): number {
  return ((b[i] ?? 0) | ((b[i + 1] ?? 0) << 8) | ((b[i + 2] ?? 0) << 16) | ((b[i + 3] ?? 0) << 24)) >>> 0;
}

function ascii(b: Uint8Array, i: number, n: number): string {
  return String.fromCharCode(...b.subarray(i, i + n));
}

/** Walks the JPEG's marker segments and entropy-coded scans up to the end-of-image marker. */
function jpegProblem(b: Uint8Array): string | null {
  if (b[0] !== 0xff || b[1] !== 0xd8) return "JPEG data does not start with a start-of-image marker";
  let i = 2;
  for (;;) {
    if (i >= b.length) return `JPEG data is truncated: no end-of-image marker`;
    if (b[i] !== 0xff) return `JPEG data is corrupt: expected a marker at byte ${i}`;
    while (i < b.length && b[i] === 0xff) i++;
    if (i >= b.length) return `JPEG data is truncated: no end-of-image marker`;
    const marker = b[i] ?? 0;
    i++;
    if (marker === 0xd9) return null;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (i + 2 > b.length) return `JPEG data is truncated: no end-of-image marker`;
    const length = be16(b, i);
    if (length < 2) return `JPEG data is corrupt: bad segment length at byte ${i}`;
    if (i + length > b.length) return `JPEG data is truncated: a segment runs past the end`;
    i += length;
    if (marker !== 0xda) continue;
    // Entropy-coded data: runs until a marker other than a stuffed zero or a restart marker.
    for (;;) {
      const ff = b.indexOf(0xff, i);
      if (ff < 0 || ff + 1 >= b.length) return `JPEG data is truncated: no end-of-image marker`;
      const next = b[ff + 1] ?? 0;
      if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
        i = ff + 2;
      } else if (next === 0xff) {
        i = ff + 1;
      } else {
        i = ff;
        break;
      }
    }
  }
}

/** Walks the PNG chunks up to IEND. */
function pngProblem(b: Uint8Array): string | null {
  let i = 8;
  for (;;) {
    if (i + 12 > b.length) return `PNG data is truncated: no IEND chunk`;
    const length = be32(b, i);
    const type = ascii(b, i + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) return `PNG data is corrupt: bad chunk type at byte ${i + 4}`;
    if (i + 12 + length > b.length) return `PNG data is truncated: chunk ${type} runs past the end`;
    if (type === "IEND") return null;
    i += 12 + length;
  }
}

/** Walks the GIF blocks up to the trailer. */
function gifProblem(b: Uint8Array): string | null {
  if (b.length < 13) return `GIF data is truncated`;
  let i = 13;
  const flags = b[10] ?? 0;
  if (flags & 0x80) i += 3 * (1 << ((flags & 0x07) + 1));
  const skipSubBlocks = (): boolean => {
    for (;;) {
      if (i >= b.length) return false;
      const size = b[i] ?? 0;
      i += 1 + size;
      if (size === 0) return true;
    }
  };
  for (;;) {
    if (i >= b.length) return `GIF data is truncated: no trailer`;
    const block = b[i];
    if (block === 0x3b) return null;
    if (block === 0x21) {
      i += 2;
      if (!skipSubBlocks()) return `GIF data is truncated: no trailer`;
    } else if (block === 0x2c) {
      if (i + 10 > b.length) return `GIF data is truncated: no trailer`;
      const localFlags = b[i + 9] ?? 0;
      i += 10;
      if (localFlags & 0x80) i += 3 * (1 << ((localFlags & 0x07) + 1));
      i += 1; // LZW minimum code size
      if (!skipSubBlocks()) return `GIF data is truncated: no trailer`;
    } else {
      return `GIF data is corrupt: unknown block 0x${(block ?? 0).toString(16)} at byte ${i}`;
    }
  }
}

/** Checks the BMP's declared sizes against the data present. */
function bmpProblem(b: Uint8Array): string | null {
  if (b.length < 30) return `BMP data is truncated`;
  const fileSize = le32(b, 2);
  const pixelOffset = le32(b, 10);
  if (fileSize !== 0 && fileSize > b.length) return `BMP data is truncated: header declares ${fileSize} bytes`;
  if (pixelOffset >= b.length) return `BMP data is truncated: no pixel data`;
  const headerSize = le32(b, 14);
  if (headerSize >= 40 && b.length >= 34) {
    const width = Math.abs(le32(b, 18) | 0);
    const height = Math.abs(le32(b, 22) | 0);
    const bitsPerPixel = le16(b, 28);
    const compression = le32(b, 30);
    if (compression === 0 && bitsPerPixel > 0) {
      const rowBytes = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
      if (pixelOffset + rowBytes * height > b.length) return `BMP data is truncated: pixel rows missing`;
    }
  }
  return null;
}

/** RIFF containers (WEBP, AVI, WAV): the declared size fits; WAV has fmt and data chunks. */
function riffProblem(format: string, b: Uint8Array): string | null {
  const label = format.toUpperCase();
  if (b.length < 12 || ascii(b, 0, 4) !== "RIFF") return `${label} data is not a RIFF file`;
  const declared = le32(b, 4) + 8;
  if (declared > b.length + 1) return `${label} data is truncated: header declares ${declared} bytes`;
  if (format !== "wav") return null;
  let i = 12;
  let fmt = false;
  while (i + 8 <= b.length) {
    const id = ascii(b, i, 4);
    const size = le32(b, i + 4);
    if (id === "fmt ") fmt = true;
    if (id === "data") {
      if (!fmt) return "WAV data is corrupt: the data chunk comes before the fmt chunk";
      const streaming = size === 0 || size === 0xffffffff;
      if (!streaming && i + 8 + size > b.length) return `WAV data is truncated: samples missing`;
      return null;
    }
    i += 8 + size + (size % 2);
  }
  return fmt ? "WAV data has no data chunk" : "WAV data has no fmt chunk";
}

/** MP4, MOV, 3GP: the top-level boxes tile the file and one of them is moov. */
function isoBmffProblem(b: Uint8Array): string | null {
  let i = 0;
  let moov = false;
  while (i < b.length) {
    if (i + 8 > b.length) return `video data is truncated: a box header is cut`;
    let size = be32(b, i);
    const type = ascii(b, i + 4, 4);
    let header = 8;
    if (size === 1) {
      if (i + 16 > b.length) return `video data is truncated: a box header is cut`;
      size = be32(b, i + 8) * 2 ** 32 + be32(b, i + 12);
      header = 16;
    } else if (size === 0) {
      size = b.length - i;
    }
    if (size < header) return `video data is corrupt: bad size of box '${type}'`;
    if (i + size > b.length) return `video data is truncated: box '${type}' runs past the end`;
    if (type === "moov") moov = true;
    i += size;
  }
  return moov ? null : "video data has no movie header (moov box)";
}

/** WMV: the ASF header object fits in the data. */
function asfProblem(b: Uint8Array): string | null {
  if (b.length < 30) return `WMV data is truncated`;
  const headerSize = le32(b, 16) + le32(b, 20) * 2 ** 32;
  if (headerSize > b.length) return `WMV data is truncated: header declares ${headerSize} bytes`;
  return null;
}
