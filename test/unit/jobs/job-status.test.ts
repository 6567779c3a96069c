import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import { checkJobStatus } from "../../../src/jobs/job-status.js";
import { JobLogWriter, replayJobLog, type AckRecord } from "../../../src/upload/joblog.js";
import { callerOver, fakeClient, statusOf } from "../../helpers/fake-client.js";

const header = { type: "header" as const, version: 1, job: "j", created: "now", command: "folder", args: ["/x"], target: { api: "a", user: "u", app: "p" }, options: {} };
const ack = (n: number): AckRecord => ({ type: "ack", id: `i${String(n).padStart(2, "0")}`, source: `/x/${String(n).padStart(2, "0")}.jpg`, fingerprint: "1:1", status: "uploaded", digest: "d".repeat(64), batch: 1, run: "r" });

/** A job of 25 acknowledged inputs and one kept, checked against a server on which i03 failed processing, i07 is pending, i11 is gone and i13 holds other content. */
async function checked(heldLines?: number, pendingAll = false, keptGone = false) {
  const path = join(mkdtempSync(join(tmpdir(), "cu-status-")), "job.jsonl");
  const first = await replayJobLog(path, { create: true });
  const writer = new JobLogWriter(path, first.latest);
  writer.append(header);
  for (let n = 0; n < 25; n++) writer.append(ack(n));
  writer.append({ ...ack(30), status: "kept" });
  // Inputs that never got in, more than a page of them: listed after the unsettled ones.
  for (let n = 40; n < 52; n++) writer.append({ type: n % 3 === 0 ? "conflict" : n % 3 === 1 ? "failed" : "rejected", source: `/x/${n}.jpg`, fingerprint: "1:1", reason: "why", message: `/x/${n}.jpg: why`, run: "r" });
  writer.close();
  first.latest.close();

  const looked: string[][] = [];
  const deleted: string[] = [];
  const client = fakeClient({
    call(rpc, request) {
      if (rpc === "deleteInputs") deleted.push(...(request as { ids: string[] }).ids);
      if (rpc !== "listInputs") return {};
      const ids = (request as { ids: string[] }).ids;
      looked.push(ids);
      const codeOf = (id: string): number => (id === "i03" ? StatusCode.INPUT_FAILED : id === "i07" || pendingAll ? StatusCode.INPUT_PENDING : StatusCode.INPUT_SUCCESS);
      // i13's id holds other content now; i05 carries the job's own digest.
      const metadataOf = (id: string): object | undefined => (id === "i13" ? { content_sha256: "e".repeat(64) } : id === "i05" ? { content_sha256: "d".repeat(64) } : undefined);
      return { inputs: ids.filter((id) => id !== "i11" && !(keptGone && id === "i30")).map((id) => ({ id, status: statusOf(codeOf(id), id === "i03" ? "could not decode" : ""), data: { metadata: metadataOf(id) } })) };
    },
  });
  const state = await replayJobLog(path);
  const checkedJob = await checkJobStatus(callerOver(client), { path, job: "j", state }, { pageSize: 10, heldLines });
  // The lines are read from the index as they are shown: before it is closed.
  const result = { ...checkedJob, lines: [...checkedJob.lines] };
  state.latest.close();
  return { result, looked, deleted, after: await replayJobLog(path) };
}

describe("status, a page of the job at a time", () => {
  it("looks every input up once, counts and lists each, and records what it learned", async () => {
    const { result, looked, deleted, after } = await checked();
    // Three pages of the index; the kept input is looked up too, and found there: kept.
    expect(looked.map((ids) => ids.length)).toEqual([10, 10, 6]);
    expect(looked.flat().sort()).toEqual([...Array.from({ length: 25 }, (_, n) => ack(n).id), "i30"]);
    expect(result.onServer).toBe(26);
    expect(result.counts).toMatchObject({ processed: 21, pending: 1, failed: 1, missing: 2, kept: 1 });
    expect(result.counts).toMatchObject({ rejected: 4, not_sent: 4, conflicts: 4 });
    expect(result.lines.map((line) => [line.id ?? line.source, line.status])).toEqual([
      ["i03", "processing_failed"],
      ["i07", "pending"],
      ["i11", "missing"],
      ["i13", "missing"],
      ...Array.from({ length: 12 }, (_, k) => [`/x/${40 + k}.jpg`, (40 + k) % 3 === 0 ? "conflict" : (40 + k) % 3 === 1 ? "failed" : "rejected"]),
    ]);
    expect(result.lines.find((line) => line.id === "i13")?.message).toBe("/x/13.jpg: input i13 on the server holds other content (sha256 eeeeeeeeeeee…), not what this job sent");
    expect([...result.toResend.remaining()].map((record) => record.id)).toEqual(["i03", "i11", "i13"]);
    // Nothing is deleted here, not even what failed processing: --retry's run deletes what it sends again.
    expect(deleted).toEqual([]);
    expect(after.latest.get("/x/05.jpg")).toMatchObject({ type: "ack", status: "processed" });
    expect(after.latest.get("/x/03.jpg")).toMatchObject({ type: "processing_failed", attempts: 1 });
    expect(after.latest.get("/x/13.jpg")).toMatchObject({ type: "missing", id: "i13" });
    expect(after.latest.get("/x/07.jpg")).toMatchObject({ type: "ack", status: "uploaded" });
    expect(after.latest.get("/x/30.jpg")).toMatchObject({ type: "ack", status: "kept" });
  });

  it("finds a kept input whose server input is gone: missing, sent again by --retry and by the next run", async () => {
    const { result, after } = await checked(undefined, false, true);
    expect(result.counts).toMatchObject({ missing: 3, kept: 0 });
    expect(result.lines.find((line) => line.id === "i30")).toEqual({ id: "i30", source: "/x/30.jpg", status: "missing", reason: "missing", message: "/x/30.jpg: the server's input i30, kept under --id-conflict skip, is gone; the next run sends this file" });
    expect([...result.toResend.remaining()].map((record) => record.id)).toContain("i30");
    expect(after.latest.get("/x/30.jpg")).toMatchObject({ type: "missing", id: "i30" });
  });

  it("lists more unsettled inputs than it holds in memory, each once and in order, past a page", async () => {
    // All but i03 (failed), i11 (gone) and i13 (other content) are pending: 25 lines, more than the 4 held.
    const { result } = await checked(4, true);
    expect(result.counts).toMatchObject({ processed: 0, pending: 22, failed: 1, missing: 2 });
    const lines = result.lines.slice(0, 25);
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: 25 }, (_, n) => ack(n).id));
    expect(lines[3]).toEqual({ id: "i03", source: "/x/03.jpg", status: "processing_failed", reason: "processing_failed", message: "/x/03.jpg: INPUT_FAILED (30002): could not decode" });
  });

});
