import { describe, expect, it } from "vitest";
import { archiveExtension, archiveMagic, unsafeNameProblem } from "../../../src/sources/zip-names.js";

describe("unsafeNameProblem", () => {
  it.each(["a.txt", "dir/b.jpg", "deep/er/c.png", "..hidden", "a..b.txt", "./here.txt", "café.txt"])("accepts %s", (name) => {
    expect(unsafeNameProblem(name)).toBeUndefined();
  });

  it.each([
    ["", "empty"],
    ["../x.txt", ".."],
    ["a/../../x.txt", ".."],
    ["a/..", ".."],
    ["/etc/passwd", "absolute path"],
    ["C:/x.txt", "drive letter"],
    ["c:x.txt", "drive letter"],
    ["dir\\x.txt", "backslash"],
    ["..\\x.txt", "backslash"],
    ["a\u0000b.txt", "control characters"],
  ])("rejects %j (%s)", (name, problem) => {
    expect(unsafeNameProblem(name)).toContain(problem);
  });
});

describe("archiveExtension", () => {
  it.each([
    ["a.zip", ".zip"],
    ["A.ZIP", ".zip"],
    ["b.tar", ".tar"],
    ["c.tar.gz", ".tar.gz"],
    ["d.tgz", ".tgz"],
    ["e.7z", ".7z"],
    ["f.rar", ".rar"],
    ["g.gz", ".gz"],
    ["h.tar.xz", ".tar.xz"],
  ])("%s is an archive (%s)", (name, ext) => {
    expect(archiveExtension(name)).toBe(ext);
  });

  it.each(["a.jpg", "zip.txt", "archive.zip.txt", "gz"])("%s is not", (name) => {
    expect(archiveExtension(name)).toBeUndefined();
  });
});

describe("archiveMagic", () => {
  it("recognises ZIP, gzip, 7z, RAR, xz and tar", () => {
    expect(archiveMagic(Buffer.from("PK\x03\x04rest", "latin1"))).toBe("ZIP");
    expect(archiveMagic(Buffer.from("PK\x05\x06", "latin1"))).toBe("ZIP");
    expect(archiveMagic(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe("gzip");
    expect(archiveMagic(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]))).toBe("7z");
    expect(archiveMagic(Buffer.from("Rar!\x1a\x07\x00", "latin1"))).toBe("RAR");
    expect(archiveMagic(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe("xz");
    const tar = Buffer.alloc(512);
    tar.write("ustar", 257, "latin1");
    expect(archiveMagic(tar)).toBe("tar");
  });

  it("does not mistake other content, or short heads, for an archive", () => {
    expect(archiveMagic(Buffer.from("Plain text that starts with P\n"))).toBeUndefined();
    expect(archiveMagic(Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBeUndefined();
    expect(archiveMagic(Buffer.from("PK"))).toBeUndefined();
    expect(archiveMagic(Buffer.alloc(0))).toBeUndefined();
  });
});
