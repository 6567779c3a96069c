// Builds benchmark corpora: many small images, a few large ones, a wide tree, and for
// memory a video near its size limit and large texts.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deflateSync, crc32 } from "node:zlib";
import { randomBytes } from "node:crypto";

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A valid RGB PNG of random pixels; `level` 0 keeps it incompressible and exactly sized. */
export function makePng(width, height, seedBytes = randomBytes(16), level = 0) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const row = width * 3 + 1;
  const raw = Buffer.alloc(row * height);
  const noise = randomBytes(Math.min(raw.length, 1 << 20));
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0;
    noise.copy(raw, y * row + 1, (y * 7919) % Math.max(1, noise.length - width * 3), ((y * 7919) % Math.max(1, noise.length - width * 3)) + width * 3);
  }
  seedBytes.copy(raw, 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw, { level })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Every file under `dir`, depth first. */
export function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path));
    else out.push(path);
  }
  return out;
}

function countFiles(dir) {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += entry.isDirectory() ? countFiles(join(dir, entry.name)) : 1;
  return n;
}

/**
 * `count` distinct small PNGs (about 700 bytes each): in one flat folder (the official
 * SDK reads no subfolders), or with `nested` in folders of 1000.
 */
export function smallImages(dir, count, nested = false) {
  if (countFiles(dir) === count) return dir;
  for (let i = 0; i < count; i++) {
    const sub = nested ? join(dir, `d${Math.floor(i / 1000)}`) : dir;
    if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `small${i}.png`), makePng(16, 16, Buffer.from(String(i).padStart(16, "0")), 6));
  }
  return dir;
}

/** Large incompressible PNGs of about `mib` MiB each, `count` of them. */
export function largeImages(dir, count, mib) {
  if (countFiles(dir) === count) return dir;
  mkdirSync(dir, { recursive: true });
  const side = Math.floor(Math.sqrt((mib * 1024 * 1024) / 3));
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `large${i}.png`), makePng(side, side, Buffer.from(String(i).padStart(16, "0"))));
  return dir;
}

/**
 * One MP4 of `bytes` bytes: the small fixture's boxes (ftyp, moov, ...) and one `mdat`
 * box of filler, which is what makes a video large.
 */
export function largeVideo(dir, bytes, fixture) {
  const path = join(dir, "large.mp4");
  if (existsSync(path) && statSync(path).size === bytes) return dir;
  mkdirSync(dir, { recursive: true });
  const boxes = readFileSync(fixture);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(bytes - boxes.length, 0);
  header.write("mdat", 4, "ascii");
  writeFileSync(path, Buffer.concat([boxes, header, Buffer.alloc(bytes - boxes.length - 8)]));
  return dir;
}

/** `count` UTF-8 texts of about `mib` MiB each. */
export function largeTexts(dir, count, mib) {
  if (countFiles(dir) === count) return dir;
  mkdirSync(dir, { recursive: true });
  const line = "the quick brown fox jumps over the lazy dog, über alles, 世界\n";
  const text = line.repeat(Math.floor((mib * 1024 * 1024) / Buffer.byteLength(line)));
  for (let i = 0; i < count; i++) writeFileSync(join(dir, `text${i}.txt`), `${i}\n${text}`);
  return dir;
}

/**
 * `count` distinct tiny PNGs (8 x 8 pixels, about 100 bytes) spread evenly over `folders`
 * folders: the shape of a job of very many files. Written once and kept: a million take
 * about 80 s.
 */
export function tinyTree(dir, count, folders) {
  const marker = `${dir}.complete`;
  if (existsSync(marker) && readFileSync(marker, "utf8") === String(count)) return dir;
  const perFolder = Math.ceil(count / folders);
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `f${Math.floor(i / perFolder)}`);
    if (i % perFolder === 0) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `t${i}.png`), makePng(8, 8, Buffer.from(String(i).padStart(16, "0")), 6));
  }
  writeFileSync(marker, String(count));
  return dir;
}
