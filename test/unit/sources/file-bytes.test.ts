import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileByteSource } from "../../../src/sources/file-bytes.js";

const dir = mkdtempSync(join(tmpdir(), "cu-file-bytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, size: number): string {
  const path = join(dir, name);
  writeFileSync(path, Buffer.alloc(size, 7));
  return path;
}

describe("fileByteSource", () => {
  for (const size of [100, 300 * 1024]) {
    const label = size > 256 * 1024 ? "a large file (read through the thread pool)" : "a small file (read synchronously)";
    it(`reads ${label} whole, with the size it was found with`, async () => {
      const path = file(`whole-${size}`, size);
      const bytes = await fileByteSource(path, size).all();
      expect(bytes.length).toBe(size);
      expect(bytes.every((byte) => byte === 7)).toBe(true);
    });

    it(`refuses ${label} that grew since it was found`, async () => {
      const path = file(`grew-${size}`, size + 10);
      await expect(fileByteSource(path, size).all()).rejects.toThrow(`changed size while being read (expected ${size} bytes, found ${size + 1} or more)`);
    });

    it(`refuses ${label} that shrank since it was found`, async () => {
      const path = file(`shrank-${size}`, size - 10);
      await expect(fileByteSource(path, size).all()).rejects.toThrow(`changed size while being read (expected ${size} bytes, found ${size - 10})`);
    });

    it(`reads ${label} into a buffer of its size, and refuses it once it changed size`, async () => {
      const path = file(`into-${size}`, size);
      const target = Buffer.alloc(size, 0);
      await fileByteSource(path, size).readInto(target);
      expect(target.every((byte) => byte === 7)).toBe(true);
      writeFileSync(path, Buffer.alloc(size + 1, 7));
      await expect(fileByteSource(path, size).readInto(target)).rejects.toThrow(`expected ${size} bytes, found ${size + 1} or more`);
      writeFileSync(path, Buffer.alloc(size - 1, 7));
      await expect(fileByteSource(path, size).readInto(target)).rejects.toThrow(`expected ${size} bytes, found ${size - 1})`);
      await expect(fileByteSource(path, size - 1).readInto(target)).rejects.toThrow(RangeError);
    });
  }

  it("keeps a small file's bytes from its head read, so all() does not read it again", async () => {
    const path = file("kept", 500);
    const source = fileByteSource(path, 500);
    expect((await source.head(4100)).length).toBe(500);
    rmSync(path);
    expect((await source.all()).length).toBe(500);
  });

  for (const size of [100, 300 * 1024, 2 * 1024 * 1024 + 3]) {
    it(`gives the ${size} bytes of a file in chunks, and fails once it changed size`, async () => {
      const path = file(`chunks-${size}`, size);
      const chunks: Buffer[] = [];
      for await (const chunk of fileByteSource(path, size).chunks()) chunks.push(Buffer.from(chunk));
      expect(Buffer.concat(chunks).equals(Buffer.alloc(size, 7))).toBe(true);
      if (size > 1024 * 1024) expect(chunks.length).toBeGreaterThan(1);
      const drain = async (expected: number): Promise<void> => {
        for await (const _ of fileByteSource(path, expected).chunks());
      };
      await expect(drain(size - 1)).rejects.toThrow(`expected ${size - 1} bytes, found ${size} or more`);
      await expect(drain(size + 1)).rejects.toThrow(`expected ${size + 1} bytes, found ${size})`);
    });
  }

  it("reads a file of up to 64 KiB whole at its head read, so sending it opens it no more", async () => {
    const path = file("whole-at-head", 11_000);
    const source = fileByteSource(path, 11_000);
    expect((await source.head(4100)).length).toBe(4100);
    rmSync(path);
    const target = Buffer.alloc(11_000, 0);
    await source.readInto(target);
    expect(target.every((byte) => byte === 7)).toBe(true);
  });

  it("reads only the head of a file over 64 KiB", async () => {
    const path = file("head-only", 70_000);
    const source = fileByteSource(path, 70_000);
    expect((await source.head(4100)).length).toBe(4100);
    rmSync(path);
    await expect(source.all()).rejects.toThrow("ENOENT");
  });

  it("copies a small file's bytes from its head read into a buffer", async () => {
    const path = file("kept-into", 500);
    const source = fileByteSource(path, 500);
    await source.head(4100);
    rmSync(path);
    const target = Buffer.alloc(500, 0);
    await source.readInto(target);
    expect(target.every((byte) => byte === 7)).toBe(true);
  });

  it("reads the head of a large file without reading it all", async () => {
    const path = file("head", 300 * 1024);
    const head = await fileByteSource(path, 300 * 1024).head(4100);
    expect(head.length).toBe(4100);
  });
});
