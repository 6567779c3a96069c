import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { ZipFile, type Entry } from "yauzl";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Candidate, SourceReport } from "../../../src/sources/candidate.js";
import { readZip, type ZipOptions } from "../../../src/sources/zip.js";
import { validate } from "../../../src/validate/validate.js";
import { makeZip, pngOfSize } from "../../helpers/server.js";

const ARCHIVES = join(import.meta.dirname, "../../../fixtures/archives");
const MEDIA = join(import.meta.dirname, "../../../fixtures/media");
const archive = (name: string): string => join(ARCHIVES, name);
const media = (name: string): Buffer => readFileSync(join(MEDIA, name));

interface Rejection {
  source: string;
  reason: string;
  message: string;
}

interface Listing {
  candidates: Candidate[];
  rejections: Rejection[];
  warnings: string[];
}

function collectingReport(): { report: SourceReport; rejections: Rejection[]; warnings: string[] } {
  const rejections: Rejection[] = [];
  const warnings: string[] = [];
  const report: SourceReport = {
    rejected: (source, reason, message) => rejections.push({ source, reason, message }),
    warning: (_source, message) => warnings.push(message),
  };
  return { report, rejections, warnings };
}

async function list(path: string, options?: ZipOptions): Promise<Listing> {
  const { report, rejections, warnings } = collectingReport();
  const candidates: Candidate[] = [];
  for await (const candidate of readZip(path, report, options)) candidates.push(candidate);
  return { candidates, rejections, warnings };
}

function bytesOf(candidate: Candidate | undefined) {
  if (candidate?.content.kind !== "bytes") throw new Error(`not a bytes candidate: ${candidate?.source}`);
  return candidate.content.bytes;
}

function byPath(listing: Listing, relPath: string): Candidate {
  const found = listing.candidates.find((candidate) => candidate.relPath === relPath);
  if (!found) throw new Error(`no candidate ${relPath}`);
  return found;
}

function reasons(listing: Listing): Record<string, string> {
  return Object.fromEntries(listing.rejections.map((r) => [r.source.slice(r.source.indexOf(".zip:") + 5), r.reason]));
}

/** Open file descriptors of this process. */
function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** Waits until the descriptor count is back to `expected` (a close completes asynchronously). */
async function fdsSettleAt(expected: number): Promise<number> {
  for (let i = 0; i < 100 && openFds() !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return openFds();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("readZip: a mixed archive", () => {
  const expected: Record<string, string> = {
    "images/image.jpg": "image.jpg",
    "images/image.png": "image.png",
    "images/deep/image.webp": "image.webp",
    "video/video.mp4": "video.mp4",
    "audio/audio.wav": "audio.wav",
    "text/text.txt": "text.txt",
    "text/table.csv": "table.csv",
    "text/café.txt": "text.txt",
    "text/naÅve-cp437.txt": "text.txt",
  };

  it("yields every file entry in order, skips the folder entry, and names each by archive and entry", async () => {
    const listing = await list(archive("mixed.zip"));
    expect(listing.candidates.map((c) => c.relPath)).toEqual(Object.keys(expected));
    for (const candidate of listing.candidates) {
      expect(candidate.source).toBe(`${archive("mixed.zip")}:${candidate.relPath}`);
    }
    expect(listing.warnings).toEqual([]);
  });

  it("fingerprints by CRC-32 and size, and head/all give the original file's bytes", async () => {
    const listing = await list(archive("mixed.zip"));
    for (const [relPath, file] of Object.entries(expected)) {
      const original = media(file);
      const candidate = byPath(listing, relPath);
      expect(candidate.fingerprint).toBe(`crc32:${crc32(original)}:${original.length}`);
      const bytes = bytesOf(candidate);
      expect(bytes.size).toBe(original.length);
      expect(await bytes.head(16)).toEqual(original.subarray(0, 16));
      expect(await bytes.head(100_000)).toEqual(original);
      expect(await bytes.all()).toEqual(original);
      // A second read after all() reads the archive again and still agrees.
      expect(await bytes.head(10)).toEqual(original.subarray(0, 10));
      const target = Buffer.alloc(original.length);
      await bytes.readInto(target);
      expect(target).toEqual(original);
    }
  });

  it("serves heads longer than the first peek from the archive (an image header past the first 8 KB)", async () => {
    const listing = await list(archive("mixed.zip"));
    const wav = bytesOf(byPath(listing, "audio/audio.wav"));
    expect(await wav.head(8_000)).toEqual(media("audio.wav").subarray(0, 8_000));
  });

  it("does not expand archives inside the archive, found by name or by magic bytes", async () => {
    const listing = await list(archive("mixed.zip"));
    expect(listing.rejections.map((r) => [r.source, r.reason])).toEqual([
      [`${archive("mixed.zip")}:nested/inner.zip`, "nested_archive"],
      [`${archive("mixed.zip")}:nested/disguised.bin`, "nested_archive"],
      [`${archive("mixed.zip")}:nested/backup.tar.gz`, "nested_archive"],
    ]);
    expect(listing.rejections[0]?.message).toMatch(/mixed\.zip:nested\/inner\.zip: an archive inside the archive \(its name ends in \.zip\) is not expanded/);
    expect(listing.rejections[1]?.message).toContain("its content is a ZIP archive");
    expect(listing.rejections[2]?.message).toContain("its name ends in .tar.gz");
  });

  it("prefixes relPath with relPrefix, and leaves source alone", async () => {
    const listing = await list(archive("mixed.zip"), { relPrefix: "sub/mixed.zip/" });
    expect(listing.candidates[0]?.relPath).toBe("sub/mixed.zip/images/image.jpg");
    expect(listing.candidates[0]?.source).toBe(`${archive("mixed.zip")}:images/image.jpg`);
  });

  it("every entry passes the validator as the kind it is", async () => {
    const listing = await list(archive("mixed.zip"));
    const kinds: Record<string, string> = {};
    for (const candidate of listing.candidates) {
      const verdict = await validate(candidate);
      kinds[candidate.relPath] = verdict.status === "accepted" ? `${verdict.kind}/${verdict.format}` : `${verdict.reason}: ${verdict.message}`;
    }
    expect(kinds).toEqual({
      "images/image.jpg": "image/jpeg",
      "images/image.png": "image/png",
      "images/deep/image.webp": "image/webp",
      "video/video.mp4": "video/mp4",
      "audio/audio.wav": "audio/wav",
      "text/text.txt": "text/plain",
      "text/table.csv": "text/csv",
      "text/café.txt": "text/plain",
      "text/naÅve-cp437.txt": "text/plain",
    });
  });

  it("rejects declared sizes over maxEntryBytes before reading them", async () => {
    const listing = await list(archive("mixed.zip"), { maxEntryBytes: 1000 });
    expect(listing.candidates.map((c) => c.relPath)).not.toContain("audio/audio.wav");
    const wav = listing.rejections.find((r) => r.source.endsWith(":audio/audio.wav"));
    expect(wav?.reason).toBe("too_large");
    expect(wav?.message).toContain("declares 8,078 bytes for this entry; entries over 1,000 bytes are not read");
  });
});

describe("readZip: an empty archive", () => {
  it("says it holds no entries", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cu-zip-")), "empty.zip");
    // Only the end-of-central-directory record: signature, then zeros.
    writeFileSync(path, Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]));
    const listing = await list(path);
    expect(listing).toMatchObject({ candidates: [], rejections: [], warnings: [`${path}: the archive holds no entries`] });
  });
});

describe("readZip: hostile archives", () => {
  it("rejects a zip bomb and an absurd declared size without ever reading them", async () => {
    const opened: string[] = [];
    const original = ZipFile.prototype.openReadStream;
    vi.spyOn(ZipFile.prototype, "openReadStream").mockImplementation(function (this: ZipFile, entry: Entry, ...rest: unknown[]) {
      opened.push(String(entry.fileName));
      return (original as (...args: unknown[]) => void).call(this, entry, ...rest);
    });
    const listing = await list(archive("bomb.zip"));
    expect(reasons(listing)).toEqual({ "zeros.bin": "zip_bomb", "huge.bin": "too_large" });
    expect(listing.rejections[0]?.message).toBe(
      `${archive("bomb.zip")}:zeros.bin: compression ratio 1029:1 (16,310 bytes expand to 16,777,216 bytes) is over the 100:1 limit; ` +
        "the entry looks like a zip bomb and is not read",
    );
    expect(listing.rejections[1]?.message).toBe(
      `${archive("bomb.zip")}:huge.bin: the archive declares 3,221,225,472 bytes for this entry; ` +
        "entries over 134,217,728 bytes are not read, as nothing that large can be uploaded",
    );
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["ok.txt"]);
    expect(await bytesOf(listing.candidates[0]).all()).toEqual(Buffer.from("a good entry beside the bomb\n"));
    expect(opened).toEqual(["ok.txt"]);
  });

  it("follows maxCompressionRatio, and reading a bomb's head inflates only that head", async () => {
    const listing = await list(archive("bomb.zip"), { maxCompressionRatio: 2000 });
    expect(reasons(listing)).toEqual({ "huge.bin": "too_large" });
    const zeros = bytesOf(byPath(listing, "zeros.bin"));
    const before = process.memoryUsage().arrayBuffers;
    expect(await zeros.head(4096)).toEqual(Buffer.alloc(4096));
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
  });

  it("rejects entries whose sizes or CRC lie as soon as the listing reads them, and keeps the honest one", async () => {
    const listing = await list(archive("lying-sizes.zip"));
    expect(reasons(listing)).toEqual({
      "grows-small.txt": "entry_size_mismatch",
      "shrinks.txt": "entry_size_mismatch",
      "stored-mismatch.txt": "entry_size_mismatch",
      "bad-crc.txt": "corrupt_entry",
      "bad-local-header.txt": "corrupt_entry",
    });
    const message = (name: string): string | undefined => listing.rejections.find((r) => r.source.endsWith(`:${name}`))?.message;
    expect(message("grows-small.txt")).toBe(
      `${archive("lying-sizes.zip")}:grows-small.txt: the entry's real size differs from its declared size (entry_size_mismatch): ` +
        "it holds more than the 64 bytes the archive declares",
    );
    expect(message("shrinks.txt")).toContain("it holds only 89 bytes, but the archive declares 100000");
    expect(message("stored-mismatch.txt")).toContain("stored uncompressed in 112 bytes, but the archive declares 56 bytes");
    expect(message("bad-crc.txt")).toContain("its CRC-32 is f83d7db2, the archive declares 12345678");
    expect(message("bad-local-header.txt")).toContain("invalid local file header signature");
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["ok.txt", "grows-large.txt"]);
    expect(await bytesOf(listing.candidates[0]).all()).toEqual(Buffer.from("the one honest entry\n"));
  });

  it("fails all() of an entry that inflates past its declared size, without holding more than that size", async () => {
    const listing = await list(archive("lying-sizes.zip"));
    const liar = bytesOf(byPath(listing, "grows-large.txt"));
    expect(liar.size).toBe(20_000);
    // Its first 8 KB are fine: the lie shows only when it is read whole.
    expect((await liar.head(100)).toString()).toMatch(/^all work and no play/);
    const allocations: number[] = [];
    const allocUnsafe = Buffer.allocUnsafe.bind(Buffer);
    vi.spyOn(Buffer, "allocUnsafe").mockImplementation((size: number) => {
      allocations.push(size);
      return allocUnsafe(size);
    });
    await expect(liar.all()).rejects.toThrow(
      "the entry's real size differs from its declared size (entry_size_mismatch): it holds more than the 20000 bytes the archive declares",
    );
    // 8 MiB inflate from this entry; nothing near that is ever allocated (only the declared
    // size plus one byte, and the archive's own read chunks).
    expect(allocations).toContain(20_001);
    expect(Math.max(...allocations)).toBeLessThan(64 * 1024);
  });

  it("fails readInto() of an entry that inflates past its declared size as all() does", async () => {
    const liar = bytesOf(byPath(await list(archive("lying-sizes.zip")), "grows-large.txt"));
    await expect(liar.readInto(Buffer.alloc(liar.size))).rejects.toThrow(
      "the entry's real size differs from its declared size (entry_size_mismatch): it holds more than the 20000 bytes the archive declares",
    );
  });

  it("a lying entry that reaches the validator is rejected for the size mismatch", async () => {
    const listing = await list(archive("lying-sizes.zip"));
    const verdict = await validate(byPath(listing, "grows-large.txt"));
    expect(verdict.status).toBe("rejected");
    if (verdict.status !== "rejected") return;
    expect(verdict.reason).toBe("entry_size_mismatch");
    expect(verdict.message).toBe(
      `${archive("lying-sizes.zip")}:grows-large.txt: the entry's real size differs from its declared size ` +
        "(entry_size_mismatch): it holds more than the 20000 bytes the archive declares",
    );
  });

  it("rejects encrypted entries and keeps the plain one", async () => {
    const listing = await list(archive("encrypted.zip"));
    expect(reasons(listing)).toEqual({ "secret.txt": "encrypted" });
    expect(listing.rejections[0]?.message).toBe(
      `${archive("encrypted.zip")}:secret.txt: the entry is encrypted; encrypted entries cannot be read without their password and are not uploaded`,
    );
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["plain.txt"]);
    expect(await bytesOf(listing.candidates[0]).all()).toEqual(Buffer.from("not encrypted\n"));
  });

  it("rejects absolute, climbing, drive-letter and backslash names, one by one, and keeps the safe ones", async () => {
    const listing = await list(archive("unsafe-names.zip"));
    expect(listing.rejections.map((r) => [r.source.slice(archive("unsafe-names.zip").length + 1), r.reason])).toEqual([
      ["../evil.txt", "unsafe_name"],
      ["/abs.txt", "unsafe_name"],
      ["a/../../up.txt", "unsafe_name"],
      ["C:/drive.txt", "unsafe_name"],
      ["dir\\back.txt", "unsafe_name"],
    ]);
    expect(listing.rejections[0]?.message).toBe(
      `${archive("unsafe-names.zip")}:../evil.txt: unsafe entry name: the name climbs out of the archive with ..; the entry is not read`,
    );
    expect(listing.rejections[1]?.message).toContain("the name is an absolute path");
    expect(listing.rejections[3]?.message).toContain("drive letter");
    expect(listing.rejections[4]?.message).toContain("backslash");
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["ok.txt", "sub/fine.txt"]);
  });

  it("rejects the second of two entries with the same name", async () => {
    const listing = await list(archive("duplicates.zip"));
    expect(listing.rejections).toEqual([
      {
        source: `${archive("duplicates.zip")}:same.txt`,
        reason: "duplicate_entry",
        message: `${archive("duplicates.zip")}:same.txt: an earlier entry of the archive has the same name; only the first one is read`,
      },
    ]);
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["same.txt", "other.txt"]);
    expect(await bytesOf(listing.candidates[0]).all()).toEqual(Buffer.from("first\n"));
  });

  it("keeps the entries before a damaged central directory record, then reports the archive", async () => {
    const listing = await list(archive("damaged-directory.zip"));
    expect(listing.candidates.map((c) => c.relPath)).toEqual(["first.txt", "second.jpg"]);
    expect(await bytesOf(listing.candidates[1]).all()).toEqual(media("image.jpg"));
    expect(listing.rejections).toEqual([
      {
        source: archive("damaged-directory.zip"),
        reason: "corrupt_archive",
        message:
          `${archive("damaged-directory.zip")}: the archive's central directory is damaged at entry 3 of 4 ` +
          "(invalid central directory file header signature: 0xbadf00d); the entries after the damage cannot be listed and are not uploaded",
      },
    ]);
  });

  it.each(["truncated.zip", "not-a-zip.zip"])("reports %s as a corrupt archive and yields nothing", async (name) => {
    const listing = await list(archive(name));
    expect(listing.candidates).toEqual([]);
    expect(listing.rejections).toHaveLength(1);
    expect(listing.rejections[0]?.source).toBe(archive(name));
    expect(listing.rejections[0]?.reason).toBe("corrupt_archive");
    expect(listing.rejections[0]?.message).toMatch(
      new RegExp(`^${archive(name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: not a readable ZIP archive \\(End of central directory record signature not found`),
    );
  });

  it("reports an archive that cannot be opened as unreadable", async () => {
    const listing = await list(archive("no-such-archive.zip"));
    expect(listing.candidates).toEqual([]);
    expect(listing.rejections.map((r) => r.reason)).toEqual(["unreadable"]);
    expect(listing.rejections[0]?.message).toContain("cannot open the archive: ENOENT");
  });
});

describe("readZip: the archive's file descriptor", () => {
  it("is open while the listing runs and closed when it ends, though entries are read later", async () => {
    const baseline = openFds();
    const { report } = collectingReport();
    const candidates: Candidate[] = [];
    for await (const candidate of readZip(archive("mixed.zip"), report)) {
      expect(openFds()).toBe(baseline + 1);
      candidates.push(candidate);
    }
    expect(await fdsSettleAt(baseline)).toBe(baseline);
    // As the pipeline does: bytes are read when the batch is built, after the listing ended.
    const all = await Promise.all(candidates.map((candidate) => bytesOf(candidate).all()));
    expect(all.map((bytes) => bytes.length)).toEqual(candidates.map((candidate) => bytesOf(candidate).size));
    expect(await fdsSettleAt(baseline)).toBe(baseline);
  });

  it("stays open for a read in flight when the listing ends, and closes after it", async () => {
    const baseline = openFds();
    const { report } = collectingReport();
    const iterator = readZip(archive("mixed.zip"), report)[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) throw new Error("no entry");
    const reading = bytesOf(first.value).head(100_000);
    await iterator.return?.();
    expect(await reading).toEqual(media("image.jpg"));
    expect(await fdsSettleAt(baseline)).toBe(baseline);
  });

  it("is closed when the consumer stops early, and after hostile and damaged archives", async () => {
    const baseline = openFds();
    const { report } = collectingReport();
    for await (const candidate of readZip(archive("mixed.zip"), report)) {
      expect(candidate.relPath).toBe("images/image.jpg");
      break;
    }
    for (const name of ["bomb.zip", "lying-sizes.zip", "encrypted.zip", "unsafe-names.zip", "duplicates.zip", "damaged-directory.zip", "truncated.zip", "not-a-zip.zip"]) {
      const listing = await list(archive(name));
      for (const candidate of listing.candidates) await bytesOf(candidate).all().catch(() => undefined);
    }
    expect(await fdsSettleAt(baseline)).toBe(baseline);
  });

  it("a read after the listing that finds the archive changed on disk fails clearly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-zip-"));
    const path = join(dir, "a.zip");
    copyFileSync(archive("duplicates.zip"), path);
    const listing = await list(path);
    const other = bytesOf(listing.candidates[1]);
    // The listing's peek read this small entry whole, and all() hands over those bytes; a second
    // all() goes back to the archive.
    expect(await other.all()).toEqual(Buffer.from("other\n"));
    copyFileSync(archive("encrypted.zip"), path);
    await expect(other.all()).rejects.toThrow("the archive changed on disk after its entries were listed");
  });
});

describe("reading many entries of one archive at once", () => {
  it("survives head reads that stop early while other entries are read", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "cu-zip-many-")), "big.zip");
    const entries = Array.from({ length: 12 }, (_, i) => ({ name: `big${i}.png`, data: pngOfSize(400_000 + i), deflate: i % 3 === 0 }));
    writeFileSync(path, makeZip(entries));
    const sources = (await list(path)).candidates.map(bytesOf);
    // Stopped early, each stream leaves reads behind; before reads were taken one at a
    // time, yauzl then threw from its read queue and the process died.
    for (const length of [4100, 74_100, 144_100]) {
      const heads = await Promise.all(sources.map((bytes) => bytes.head(length)));
      expect(heads.map((head) => head.length)).toEqual(entries.map(() => length));
    }
    const whole = await Promise.all(sources.map((bytes) => bytes.all()));
    expect(whole.map((bytes, i) => bytes.equals(entries[i]!.data))).toEqual(entries.map(() => true));
  });
});
