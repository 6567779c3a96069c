import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inputIdFromKey } from "../../../src/server/extraction/input-id.js";
import { redactUrl, resolveSourceUrl } from "../../../src/server/extraction/source.js";
import { SourceError, walkSource } from "../../../src/server/extraction/walk.js";
import { writeFiles } from "../../helpers/server.js";

describe("data source URLs", () => {
  const roots = { s3Root: "/srv/s3" };

  it("splits s3:// into a folder and a name prefix under the bucket", () => {
    expect(resolveSourceUrl("s3://bucket/images_folder/abc", roots)).toEqual({
      ok: true,
      source: {
        kind: "folder",
        dir: "/srv/s3/bucket/images_folder",
        prefix: "abc",
        keyPrefix: "bucket/images_folder/",
        requiredDir: "/srv/s3/bucket",
        requiredWhat: "bucket 'bucket'",
      },
    });
    const folder = resolveSourceUrl("s3://bucket/images_folder/", roots);
    expect(folder.ok && folder.source.prefix).toBe("");
    const bucket = resolveSourceUrl("s3://bucket", roots);
    expect(bucket.ok && [bucket.source.dir, bucket.source.prefix, bucket.source.keyPrefix]).toEqual([
      "/srv/s3/bucket",
      "",
      "bucket/",
    ]);
    // The spec's own example writes one slash.
    expect(resolveSourceUrl("s3:/bucket/images_folder/abc", roots).ok).toBe(true);
  });

  it("refuses what it cannot map", () => {
    const refused = (url: string, r = roots) => {
      const res = resolveSourceUrl(url, r);
      return res.ok ? "" : res.description;
    };
    expect(refused("s3://bucket/x", {})).toMatch(/--s3-root/);
    expect(refused("gs://bucket/x")).toMatch(/--gs-root/);
    expect(resolveSourceUrl("gs://bucket/x", { gsRoot: "/srv/gs" }).ok).toBe(true);
    expect(refused("https://account.blob.core.windows.net/container/x")).toMatch(/Azure/);
    expect(refused("s3://bucket/a/../../etc/")).toMatch(/'\.\.'/);
    expect(refused("s3://../etc")).toMatch(/does not name a bucket/);
    expect(refused("ftp://host/x")).toMatch(/not a data source/);
    expect(refused("file://remote-host/x")).toMatch(/file:\/\/\/ABSOLUTE/);
  });

  it("reads file:// URLs as a prefix in their folder", () => {
    const res = resolveSourceUrl("file:///data/photos/abc", {});
    expect(res.ok && [res.source.dir, res.source.prefix, res.source.keyPrefix]).toEqual([
      "/data/photos/",
      "abc",
      "data/photos/",
    ]);
    const folder = resolveSourceUrl("file:///data/photos/", {});
    expect(folder.ok && [folder.source.dir, folder.source.prefix]).toEqual(["/data/photos/", ""]);
  });

  it("redacts user info and queries for logs", () => {
    expect(redactUrl("https://user:pw@acct.blob.core.windows.net/c/x?sig=SECRET")).toBe(
      "https://acct.blob.core.windows.net/c/x",
    );
    expect(redactUrl("s3://bucket/key")).toBe("s3://bucket/key");
  });
});

describe("input ids from object keys", () => {
  it("keeps a clean key, else sanitizes with a hash suffix, within 48 characters", () => {
    expect(inputIdFromKey("plain_key-1")).toBe("plain_key-1");
    const id = inputIdFromKey("bucket/images/cat.jpg");
    expect(id).toMatch(/^bucket_images_cat_jpg-[0-9a-f]{8}$/);
    expect(inputIdFromKey("bucket/images/cat.jpg")).toBe(id);
    expect(inputIdFromKey("bucket/images/cat_jpg")).not.toBe(id);
    const long = inputIdFromKey(`bucket/${"deep/".repeat(30)}final-name.png`);
    expect(long.length).toBeLessThanOrEqual(48);
    expect(long).toMatch(/final-name_png-[0-9a-f]{8}$/);
    expect(inputIdFromKey("x".repeat(49))).toMatch(/^x{39}-[0-9a-f]{8}$/);
    expect(inputIdFromKey("///")).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe("walking a folder source", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "clarifai-walk-"));
    await writeFiles(join(root, "bucket"), {
      "f/abc1.jpg": "1",
      "f/abc/z.txt": "2",
      "f/abcdir/b/2.txt": "3",
      "f/abcdir/a.txt": "4",
      "f/xabc.jpg": "5",
      "f/ab": "6",
    });
    await symlink(join(root, "bucket", "f"), join(root, "bucket", "f", "abcdir", "loop"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function keys(url: string): Promise<string[]> {
    const res = resolveSourceUrl(url, { s3Root: root });
    if (!res.ok) throw new Error(res.description);
    const out: string[] = [];
    for await (const object of walkSource(res.source, "/unused")) out.push(object.key);
    return out;
  }

  it("yields abc* files and everything under abc*/ folders, in a stable order, once", async () => {
    expect(await keys("s3://bucket/f/abc")).toEqual([
      "bucket/f/abc/z.txt",
      "bucket/f/abc1.jpg",
      "bucket/f/abcdir/a.txt",
      "bucket/f/abcdir/b/2.txt",
    ]);
    expect(await keys("s3://bucket/f/")).toHaveLength(6);
    expect(await keys("s3://bucket/missing-folder/")).toEqual([]);
    await expect(keys("s3://nobucket/")).rejects.toBeInstanceOf(SourceError);
  });
});
