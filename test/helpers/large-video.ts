import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES } from "./cli.js";

/**
 * An MP4 of exactly `size` bytes: the fixture video's boxes, then an `mdat` box of random
 * bytes (as the benchmark pads its video to the limit), so that every byte tells where it
 * belongs.
 */
export function largeMp4(size: number): Buffer {
  const boxes = readFileSync(join(FIXTURES, "media", "video.mp4"));
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size - boxes.length, 0);
  header.write("mdat", 4, "latin1");
  return Buffer.concat([boxes, header, randomBytes(size - boxes.length - header.length)]);
}
