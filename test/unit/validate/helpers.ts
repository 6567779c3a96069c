/**
 * Test helpers: a minimal ByteSource over a file path (the real one lives in
 * src/sources/), candidates, fixture paths, and builders for synthetic headers.
 */
import { open, readFile, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ByteSource, Candidate, Content } from "../../../src/sources/candidate.js";
import type { InputKind } from "../../../src/validate/limits.js";

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "fixtures");

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

/** Counts what a ByteSource was asked for, so that tests can assert how much the validator read. */
export interface ReadLog {
  heads: number[];
  alls: number;
}

/** A ByteSource over a file: `size` from stat at creation, `head` and `all` read on demand. */
export async function fileByteSource(path: string, log?: ReadLog): Promise<ByteSource> {
  const { size } = await stat(path);
  return {
    size,
    async head(length: number): Promise<Buffer> {
      log?.heads.push(length);
      const handle = await open(path, "r");
      try {
        const buf = Buffer.alloc(Math.min(length, size));
        const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async all(): Promise<Buffer> {
      if (log !== undefined) log.alls++;
      const buf = await readFile(path);
      if (buf.length !== size) throw new Error(`${path}: read ${buf.length} bytes, expected ${size}`);
      return buf;
    },
    async readInto(target: Buffer): Promise<void> {
      (await this.all()).copy(target);
    },
    async *chunks(): AsyncGenerator<Uint8Array> {
      yield await this.all();
    },
  };
}

/** A ByteSource over bytes in memory. */
export function bufferByteSource(bytes: Buffer, log?: ReadLog): ByteSource {
  return {
    size: bytes.length,
    async head(length: number): Promise<Buffer> {
      log?.heads.push(length);
      return bytes.subarray(0, length);
    },
    async all(): Promise<Buffer> {
      if (log !== undefined) log.alls++;
      return bytes;
    },
    async readInto(target: Buffer): Promise<void> {
      (await this.all()).copy(target);
    },
    async *chunks(): AsyncGenerator<Uint8Array> {
      yield await this.all();
    },
  };
}

export function newReadLog(): ReadLog {
  return { heads: [], alls: 0 };
}

export function candidate(source: string, content: Content, relPath = basename(source)): Candidate {
  return { source, relPath, content, fingerprint: `test:${source}` };
}

export async function fileCandidate(path: string, options: { declaredKind?: InputKind; log?: ReadLog } = {}): Promise<Candidate> {
  const bytes = await fileByteSource(path, options.log);
  const content: Content =
    options.declaredKind === undefined ? { kind: "bytes", bytes } : { kind: "bytes", bytes, declaredKind: options.declaredKind };
  return candidate(path, content);
}

// --- synthetic headers -------------------------------------------------------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A PNG signature and a valid IHDR chunk declaring width x height, then a little IDAT data (not a decodable image). */
export function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, adaptive filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", Buffer.from([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00])),
  ]);
}

/** A JPEG segment: marker and payload (the length field is computed). */
export function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xff00 | marker, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

/** A frame header payload (SOFn) for a 3-component width x height image. */
export function sofPayload(width: number, height: number): Buffer {
  const p = Buffer.alloc(15);
  p[0] = 8; // precision
  p.writeUInt16BE(height, 1);
  p.writeUInt16BE(width, 3);
  p[5] = 3;
  p.set([1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], 6);
  return p;
}

/**
 * A JPEG with `appSegments` APPn segments of `appBytes` payload each before its
 * frame header, then a start of scan and a little entropy-coded data.
 */
export function jpegWithSegments(width: number, height: number, appSegments: number, appBytes: number, sofMarker = 0xc0): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  for (let i = 0; i < appSegments; i++) {
    const payload = Buffer.alloc(appBytes, 0x41);
    if (i === 0) payload.write("Exif\0\0", 0, "latin1");
    parts.push(jpegSegment(0xe1 + (i % 14), payload));
  }
  parts.push(jpegSegment(sofMarker, sofPayload(width, height)));
  parts.push(jpegSegment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])));
  parts.push(Buffer.from([0x12, 0x34, 0x56, 0x78, 0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** A classic little-endian TIFF header whose first IFD (width, height as LONG) is at `ifdOffset`. */
export function tiffWithIfdAt(width: number, height: number, ifdOffset: number): Buffer {
  const buf = Buffer.alloc(ifdOffset + 2 + 2 * 12 + 4);
  buf.write("II", 0, "latin1");
  buf.writeUInt16LE(42, 2);
  buf.writeUInt32LE(ifdOffset, 4);
  buf.writeUInt16LE(2, ifdOffset);
  let at = ifdOffset + 2;
  for (const [tag, value] of [
    [256, width],
    [257, height],
  ] as const) {
    buf.writeUInt16LE(tag, at);
    buf.writeUInt16LE(4, at + 2); // LONG
    buf.writeUInt32LE(1, at + 4);
    buf.writeUInt32LE(value, at + 8);
    at += 12;
  }
  return buf;
}
