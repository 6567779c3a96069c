import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../../src/server/store.js";
import { SCHEMA_VERSION } from "../../../src/server/store/schema.js";

describe("server schema", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "clarifai-schema-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("upgrades a version 2 data folder in place (extraction jobs and uploads are new tables)", async () => {
    (await Store.open(dir)).close();
    const db = new BetterSqlite3(join(dir, "clarifai.sqlite"));
    db.exec("DROP TABLE extraction_jobs; DROP TABLE uploads; DROP TABLE upload_parts;");
    db.pragma("user_version = 2");
    db.close();
    const store = await Store.open(dir);
    expect(store.extractions.list({ userId: "u", appId: "a" }, 10, 0)).toEqual([]);
    expect(store.uploads.byStatus(0)).toEqual([]);
    store.close();
    const check = new BetterSqlite3(join(dir, "clarifai.sqlite"));
    expect(Number(check.pragma("user_version", { simple: true }))).toBe(SCHEMA_VERSION);
    check.close();
  });

  it("refuses a folder from an older development version or a newer server", async () => {
    (await Store.open(dir)).close();
    for (const version of [1, SCHEMA_VERSION + 1]) {
      const db = new BetterSqlite3(join(dir, "clarifai.sqlite"));
      db.pragma(`user_version = ${version}`);
      db.close();
      await expect(Store.open(dir)).rejects.toThrow(/older development version|newer server/);
    }
  });
});
