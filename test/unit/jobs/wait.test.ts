import { describe, expect, it } from "vitest";
import { ApiError, type RpcName } from "../../../src/api/client.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import { ProcessingWait } from "../../../src/jobs/wait.js";
import { callerOver, fakeClient, statusOf } from "../../helpers/fake-client.js";
import { inputEventOf, recordingBus, textCandidate } from "../../helpers/upload-stage.js";

const a = textCandidate("a");
const b = textCandidate("b");
const c = textCandidate("c");
const d = textCandidate("d");

/** A server whose inputs-add job has `pending` inputs left, and whose failed inputs are `b` and one of another job. */
function server(pending: number) {
  const requests: Array<[RpcName, object]> = [];
  const client = fakeClient({
    call(rpc, request) {
      requests.push([rpc, request]);
      if (rpc === "getInputsAddJob") return { inputsAddJob: { progress: { pendingCount: pending, inProgressCount: 0, successCount: 2, failedCount: 1 } } };
      if (rpc === "listInputs") return { inputs: [{ id: "b", status: statusOf(StatusCode.INPUT_FAILED, "could not decode") }, { id: "elsewhere", status: statusOf(StatusCode.INPUT_FAILED) }] };
      return {};
    },
  });
  return { caller: callerOver(client), requests };
}

/** A wait that heard this run upload a, b (sent again after one failed processing) and c, and find d present. */
function waitAfterRun(maxProcessingAttempts: number) {
  const { bus, events } = recordingBus();
  const wait = new ProcessingWait(bus, maxProcessingAttempts);
  wait.listener(inputEventOf(a, { status: "uploaded", bytes: 1, digest: "da", batch: 1 }));
  wait.listener(inputEventOf(b, { status: "uploaded", bytes: 1, digest: "db", processingFailures: 1, batch: 1 }));
  wait.listener(inputEventOf(c, { status: "uploaded", bytes: 1, digest: "dc", batch: 2 }));
  wait.listener(inputEventOf(d, { status: "present", digest: "dd", batch: 2 }));
  return { wait, events };
}

const failureOfB = (message: string, attempts: number) =>
  inputEventOf(b, { status: "failed", reason: "processing_failed", message, digest: "db", processingFailures: 1, processing: { code: StatusCode.INPUT_FAILED, description: "INPUT_FAILED (30002): could not decode", attempts } });

describe("ProcessingWait", () => {
  it("once nothing is pending, names the input that failed processing, with its attempts, and the others as processed", async () => {
    const { wait, events } = waitAfterRun(3);
    expect(wait.uploaded).toBe(3);
    const { caller, requests } = server(0);
    expect(await wait.follow(caller, "job-1", new AbortController().signal)).toEqual({ ended: "done" });
    expect(requests.map(([rpc]) => rpc)).toEqual(["getInputsAddJob", "listInputs"]);
    expect(requests[0]?.[1]).toEqual({ id: "job-1" });
    expect(events).toEqual([
      { type: "processing", pending: 0, inProgress: 0, success: 2, failed: 1 },
      failureOfB("/data/b.txt: input b failed processing: INPUT_FAILED (30002): could not decode (the next run deletes it and sends it again)", 2),
      { type: "processed", id: "a", source: "/data/a.txt" },
      { type: "processed", id: "c", source: "/data/c.txt" },
    ]);
  });

  it("says an input will not be sent again once its failures reach --max-processing-attempts", async () => {
    const { wait, events } = waitAfterRun(2);
    await wait.follow(server(0).caller, "job-1", new AbortController().signal);
    expect(events[1]).toEqual(failureOfB("/data/b.txt: input b failed processing: INPUT_FAILED (30002): could not decode (failed 2 time(s): not sent again)", 2));
  });

  it("stopped while inputs are pending, reports the failures known and claims nothing processed", async () => {
    const { wait, events } = waitAfterRun(3);
    const stop = new AbortController();
    stop.abort();
    const { caller, requests } = server(5);
    expect(await wait.follow(caller, "job-1", stop.signal)).toEqual({ ended: "interrupted" });
    expect(requests.map(([rpc]) => rpc)).toEqual(["getInputsAddJob", "listInputs"]);
    expect(events.map((event) => event.type)).toEqual(["processing", "input"]);
    expect(events[0]).toEqual({ type: "processing", pending: 5, inProgress: 0, success: 2, failed: 1 });
  });

  it("says why it stopped when the server keeps failing, with what it learned so far kept", async () => {
    const { wait, events } = waitAfterRun(3);
    const client = fakeClient({
      call(rpc) {
        if (rpc === "getInputsAddJob") throw new ApiError("UNAVAILABLE: the server is restarting", "retry");
        return {};
      },
    });
    expect(await wait.follow(callerOver(client, 2), "job-1", new AbortController().signal)).toEqual({ ended: "unreachable", message: "gave up after 2 retries (UNAVAILABLE: the server is restarting)" });
    expect(client.calls).toEqual(["getInputsAddJob", "getInputsAddJob", "getInputsAddJob"]);
    expect(events).toEqual([]);
  });
});
