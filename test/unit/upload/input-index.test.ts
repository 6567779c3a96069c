import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { JobLogWriter, replayJobLog, type AckRecord } from "../../../src/upload/joblog.js";

const header = { type: "header" as const, version: 1, job: "j", created: "now", command: "folder", args: ["/x"], target: { api: "a", user: "u", app: "p" }, options: {} };
const ack = (n: number, fingerprint = "1:1"): AckRecord => ({ type: "ack", id: `i${n}`, source: `/x/${n}.jpg`, fingerprint, status: "uploaded", digest: "d".repeat(64), batch: 1, run: "r" });
const newLog = (): string => join(mkdtempSync(join(tmpdir(), "cu-index-")), "job.jsonl");

describe("the job's input index", () => {
  it("folds each batch a run writes, and a later open reads nothing of the log again", async () => {
    const path = newLog();
    const first = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, first.latest);
    writer.append(header);
    for (let n = 0; n < 3; n++) writer.append(ack(n));
    writer.sync();
    expect(first.latest.get("/x/1.jpg")).toMatchObject({ id: "i1", status: "uploaded", digest: "d".repeat(64) });
    writer.close();
    first.latest.close();

    // Garbage past the index's offset would be read; nothing is, as the index is current.
    const again = await replayJobLog(path);
    expect(again.header?.job).toBe("j");
    expect(again.latest.size).toBe(3);
    expect(again.corruptLines).toBe(0);
    expect(readFileSync(`${path}.index`).length).toBeGreaterThan(0);
  });

  it("forgets a source gone from the job only while its record says it never got in, also when the log is folded again", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.append(ack(0));
    const never = (type: "rejected" | "conflict" | "failed", n: number, extra = {}) => ({ type, source: `/x/${n}.jpg`, fingerprint: "1:1", reason: "why", message: "why", run: "r", ...extra });
    writer.append(never("rejected", 1));
    writer.append(never("conflict", 2));
    writer.append(never("failed", 3));
    // Failed to send after failing processing: what failed may be on the server still.
    writer.append(never("failed", 4, { id: "i4", processingFailures: 1 }));
    writer.sync();
    expect(state.latest.neverGotIn(10)?.sort()).toEqual(["/x/1.jpg", "/x/2.jpg", "/x/3.jpg"]);
    expect(state.latest.neverGotIn(2)).toBeUndefined();
    for (const n of [0, 1, 2, 4]) writer.append({ type: "gone", source: `/x/${n}.jpg`, run: "r2" });
    writer.close();
    const left = ["/x/0.jpg", "/x/3.jpg", "/x/4.jpg"];
    expect(["/x/0.jpg", "/x/1.jpg", "/x/2.jpg", "/x/3.jpg", "/x/4.jpg"].filter((source) => state.latest.get(source))).toEqual(left);
    state.latest.close();
    // Folded again from the log alone, it comes out the same.
    rmSync(`${path}.index`);
    const again = await replayJobLog(path);
    expect(["/x/0.jpg", "/x/1.jpg", "/x/2.jpg", "/x/3.jpg", "/x/4.jpg"].filter((source) => again.latest.get(source))).toEqual(left);
    expect(again.corruptLines).toBe(0);
    again.latest.close();
  });

  it("catches up what a run wrote to its log but not to its index (killed in between)", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.append(ack(0));
    writer.close();
    state.latest.close();
    // Records the index never saw, as a run killed after writing its log leaves them.
    appendFileSync(path, `${JSON.stringify(ack(1))}\n${JSON.stringify({ ...ack(0, "2:2"), status: "present" })}\n`);
    const reopened = await replayJobLog(path);
    expect(reopened.latest.get("/x/1.jpg")).toMatchObject({ id: "i1" });
    // Found present with the content the job uploaded (the same digest): still the job's upload.
    expect(reopened.latest.get("/x/0.jpg")).toMatchObject({ fingerprint: "2:2", status: "uploaded" });
    expect(reopened.latest.size).toBe(2);
  });

  it("counts a torn last line once, and folds the records written after it", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.close();
    appendFileSync(path, '{"type":"ack","id":"torn","sou');
    expect((await replayJobLog(path)).corruptLines).toBe(1);
    const later = await replayJobLog(path);
    const next = new JobLogWriter(path, later.latest);
    next.append(ack(7));
    next.close();
    const after = await replayJobLog(path);
    expect(after.corruptLines).toBe(1);
    expect(after.latest.get("/x/7.jpg")).toMatchObject({ id: "i7" });
  });

  it("counts a record without the fields its type needs as unreadable, and trusts nothing of it", async () => {
    const path = newLog();
    writeFileSync(path, `${JSON.stringify(header)}\n{"type":"ack","source":"/x/9.jpg"}\n{"type":"mystery"}\n${JSON.stringify(ack(1))}\n`);
    const state = await replayJobLog(path);
    expect(state.corruptLines).toBe(2);
    expect(state.latest.get("/x/9.jpg")).toBeUndefined();
    expect(state.latest.get("/x/1.jpg")).toMatchObject({ id: "i1" });
  });

  it("builds the index again from the log when it is unreadable or belongs to a longer log", async () => {
    const path = newLog();
    writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(ack(1))}\n${JSON.stringify(ack(2))}\n`);
    (await replayJobLog(path)).latest.close();
    // The log is replaced by a shorter one: the index's offset is past its end.
    writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(ack(3))}\n`);
    const replaced = await replayJobLog(path);
    expect(replaced.latest.page(undefined, 1_000).map((record) => record.source)).toEqual(["/x/3.jpg"]);
    replaced.latest.close();
    writeFileSync(`${path}.index`, "not a database");
    const rebuilt = await replayJobLog(path);
    expect(rebuilt.latest.get("/x/3.jpg")).toMatchObject({ id: "i3" });
    expect(rebuilt.header?.job).toBe("j");
  });

  it("settles at a glance only inputs acknowledged with nothing pending, and reads the rest whole", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.append(ack(0));
    writer.append({ ...ack(1), status: "kept" });
    writer.append({ ...ack(2), annotationsPending: true });
    writer.append({ type: "failed", id: "i3", source: "/x/3.jpg", fingerprint: "1:1", reason: "unreachable", message: "m", run: "r" });
    writer.close();
    const asked = ["/x/0.jpg", "/x/1.jpg", "/x/2.jpg", "/x/3.jpg", "/x/4.jpg"];
    const expected = [["/x/0.jpg", "1:1", "i0"], ["/x/1.jpg", "1:1", null], ["/x/2.jpg", "1:1", null], ["/x/3.jpg", "1:1", null], undefined];
    // In the order asked, whether found by a scan (in order) or one by one (out of order).
    expect(state.latest.glanceMany(asked)).toEqual(expected);
    expect(state.latest.glanceMany([...asked].reverse())).toEqual([...expected].reverse());
    expect(state.latest.get("/x/2.jpg")).toMatchObject({ id: "i2", annotationsPending: true });
    state.latest.close();
  });

  it("finds sources in the index's order with a scan of their range, and any others one by one, returning only those asked for", async () => {
    const state = await replayJobLog(newLog(), { create: true });
    const sources = [...Array.from({ length: 100 }, (_, n) => `/x/${n}.jpg`), "/x/\ue000.jpg", "/x/😀.jpg"];
    for (const source of sources) state.latest.set({ type: "ack", id: source, source, fingerprint: "1:1", status: "uploaded", run: "r" });
    const glanced = (asked: string[]): Array<string | undefined> => state.latest.glanceMany(asked).map((glance) => glance?.[0]);
    // A range holding a record not asked for (/x/11.jpg), and a source with no record.
    expect(glanced(["/x/10.jpg", "/x/12.jpg", "/x/new.jpg"])).toEqual(["/x/10.jpg", "/x/12.jpg", undefined]);
    // A range holding far more records than asked for, and sources out of order.
    expect(glanced(["/x/0.jpg", "/x/99.jpg"])).toEqual(["/x/0.jpg", "/x/99.jpg"]);
    expect(glanced(["/x/5.jpg", "/x/1.jpg"])).toEqual(["/x/5.jpg", "/x/1.jpg"]);
    // In order for \`<\` (surrogates come before U+E000), out of order for SQLite's UTF-8 bytes.
    expect(["/x/😀.jpg", "/x/\ue000.jpg"].sort()).toEqual(["/x/😀.jpg", "/x/\ue000.jpg"]);
    expect(glanced(["/x/😀.jpg", "/x/\ue000.jpg"])).toEqual(["/x/😀.jpg", "/x/\ue000.jpg"]);
    state.latest.close();
  });

  it("tells apart, in a scan, sources that begin like one another, and one holding a NUL", async () => {
    const state = await replayJobLog(newLog(), { create: true });
    const sources = ["/y/a", "/y/a.b", "/y/a/c", "/y/q\u0000r"];
    for (const [n, source] of sources.entries()) state.latest.set({ type: "ack", id: `i${n}`, source, fingerprint: `${n}:${n}`, status: "uploaded", run: "r" });
    expect(state.latest.glanceMany(["/y/a", "/y/a/c"])).toEqual([
      ["/y/a", "0:0", "i0"],
      ["/y/a/c", "2:2", "i2"],
    ]);
    expect(state.latest.glanceMany(["/y/a.b", "/y/b"])).toEqual([["/y/a.b", "1:1", "i1"], undefined]);
    // "/y/q" has no record, though the row of "/y/q\0r" begins with it and a NUL.
    expect(state.latest.glanceMany(["/y/a", "/y/q", "/y/z"])).toEqual([["/y/a", "0:0", "i0"], undefined, undefined]);
    expect(state.latest.glanceMany(["/y/q\u0000r"])).toEqual([["/y/q\u0000r", "3:3", "i3"]]);
    state.latest.close();
  });

  it("reads its records a page at a time, in the order of their sources, each once", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    for (let n = 0; n < 25; n++) writer.append(ack(n));
    writer.append({ ...ack(3), status: "kept" });
    writer.close();
    const seen: string[] = [];
    for (let page = state.latest.page(undefined, 10); page.length > 0; page = state.latest.page(page.at(-1)?.source, 10)) {
      expect(page.length).toBeLessThanOrEqual(10);
      seen.push(...page.map((record) => record.source));
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, n) => `/x/${n}.jpg`).sort());
    expect(state.latest.page("/x/3.jpg", 1)).toEqual([expect.objectContaining({ source: "/x/4.jpg" })]);
    expect(state.latest.page(undefined, 30).find((record) => record.source === "/x/3.jpg")).toMatchObject({ type: "ack", status: "kept" });
    state.latest.close();
  });

  it("folds the log again into an index laid out by an earlier version", async () => {
    const path = newLog();
    writeFileSync(path, `${JSON.stringify(header)}\n${JSON.stringify(ack(0))}\n`);
    // The first layout: no fingerprint or id columns, no user_version, and already caught up.
    const old = new Database(`${path}.index`);
    old.exec(`CREATE TABLE inputs (source TEXT PRIMARY KEY, record TEXT NOT NULL) WITHOUT ROWID;
      CREATE TABLE others (seq INTEGER PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;`);
    old.prepare("INSERT INTO meta (key, value) VALUES ('offset', ?)").run(readFileSync(path).length);
    old.close();
    const state = await replayJobLog(path);
    expect(state.latest.glanceMany(["/x/0.jpg"])).toEqual([["/x/0.jpg", "1:1", "i0"]]);
    expect(state.header?.job).toBe("j");
    state.latest.close();
  });

  it("keeps each source's latest record when a batch holds many acknowledgements and later records of the same sources", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    // More than one statement's worth of acks, each source acknowledged twice in one batch.
    for (let n = 0; n < 40; n++) writer.append(ack(n));
    for (let n = 0; n < 40; n++) writer.append({ ...ack(n, "2:2"), id: `again${n}` });
    // An ack then a failure, a failure then an ack, an ack then a refusal to read it again.
    writer.append({ type: "failed", source: "/x/3.jpg", fingerprint: "3:3", reason: "unreachable", message: "m", run: "r" });
    writer.append({ type: "failed", source: "/x/50.jpg", fingerprint: "3:3", reason: "unreachable", message: "m", run: "r" });
    writer.append(ack(50));
    writer.append(ack(51));
    writer.append({ type: "rejected", source: "/x/51.jpg", fingerprint: "", reason: "unreadable", message: "m", run: "r" });
    writer.append({ type: "processed", id: "again7", source: "/x/7.jpg", run: "r" });
    writer.sync();
    writer.close();
    for (const latest of [state.latest, (await replayJobLog(path)).latest]) {
      expect(latest.size).toBe(42);
      expect(latest.get("/x/39.jpg")).toMatchObject({ type: "ack", id: "again39", fingerprint: "2:2" });
      expect(latest.get("/x/3.jpg")).toMatchObject({ type: "failed", fingerprint: "3:3" });
      expect(latest.get("/x/50.jpg")).toMatchObject({ type: "ack", id: "i50" });
      expect(latest.get("/x/51.jpg")).toMatchObject({ type: "ack", id: "i51" });
      expect(latest.get("/x/7.jpg")).toMatchObject({ type: "ack", id: "again7", status: "processed" });
    }
    // Folded from the log alone, the index says the same.
    for (const suffix of [".index", ".index-wal", ".index-shm"]) rmSync(`${path}${suffix}`, { force: true });
    const rebuilt = (await replayJobLog(path)).latest;
    expect(rebuilt.size).toBe(42);
    expect(rebuilt.get("/x/7.jpg")).toMatchObject({ id: "again7", status: "processed" });
    expect(rebuilt.get("/x/51.jpg")).toMatchObject({ type: "ack", id: "i51" });
  });

  it("keeps what the job knew of an input sent again and found present: uploaded by it, or processed since", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.append(ack(1));
    writer.append(ack(2));
    writer.append({ type: "processed", id: "i2", source: "/x/2.jpg", run: "r" });
    writer.append(ack(3));
    // Each sent again and found there; the third under other content.
    for (const n of [1, 2]) writer.append({ ...ack(n, "1:1|regions:new"), status: "present" });
    writer.append({ ...ack(3), status: "present", digest: "e".repeat(64) });
    writer.sync();
    writer.close();
    for (const latest of [state.latest, (await replayJobLog(path)).latest]) {
      expect(latest.get("/x/1.jpg")).toMatchObject({ status: "uploaded", fingerprint: "1:1|regions:new" });
      expect(latest.get("/x/2.jpg")).toMatchObject({ status: "processed", fingerprint: "1:1|regions:new" });
      expect(latest.get("/x/3.jpg")).toMatchObject({ status: "present" });
    }
  });

  it("a dry run of a new job creates nothing", async () => {
    const path = newLog();
    const state = await replayJobLog(path);
    expect(state.latest.size).toBe(0);
    expect(() => readFileSync(`${path}.index`)).toThrow();
  });
});

describe("the job's input index, against a log replaced or removed", () => {
  it("forgets everything when its log is removed, and tells a new log under the same name from the old", async () => {
    const path = newLog();
    const state = await replayJobLog(path, { create: true });
    const writer = new JobLogWriter(path, state.latest);
    writer.append(header);
    writer.append(ack(1));
    writer.close();
    state.latest.close();
    rmSync(path);
    const gone = await replayJobLog(path, { create: true });
    expect(gone.latest.size).toBe(0);
    expect(gone.header).toBeUndefined();
    gone.latest.close();

    // A longer log under the same name, that starts differently: folded from its start.
    const again = new JobLogWriter(path, (await replayJobLog(path, { create: true })).latest);
    again.append(header);
    again.append(ack(1));
    again.close();
    writeFileSync(path, `${JSON.stringify({ ...header, job: "other" })}\n${JSON.stringify(ack(5))}\n${JSON.stringify(ack(6))}\n${JSON.stringify(ack(7))}\n`);
    const other = await replayJobLog(path);
    expect(other.header?.job).toBe("other");
    expect(other.latest.page(undefined, 1_000).map((record) => record.source).sort()).toEqual(["/x/5.jpg", "/x/6.jpg", "/x/7.jpg"]);
  });
});
