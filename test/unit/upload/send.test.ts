import { describe, expect, it } from "vitest";
import { Caller } from "../../../src/api/caller.js";
import { ApiError } from "../../../src/api/client.js";
import { UploadError } from "../../../src/errors.js";
import { Region } from "../../../src/gen/clarifai/api/resources.js";
import type { MultiInputResponse } from "../../../src/gen/clarifai/api/service.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import type { Batch, PlannedInput } from "../../../src/plan/batcher.js";
import { digestOf } from "../../../src/upload/content-digest.js";
import type { EventBus, InputEvent, UploadEvent } from "../../../src/upload/events.js";
import { send, type RunOutcome, type SendServices } from "../../../src/upload/send.js";
import { callerOver, fakeClient, postAnswer, type FakeAnswers } from "../../helpers/fake-client.js";
import { fromArray, inputEventOf, plannedText, recordingBus, testPlan } from "../../helpers/upload-stage.js";

/** Batches numbered from 1, one per group of inputs. */
function batchesOf(...groups: PlannedInput[][]): Batch[] {
  return groups.map((inputs, index) => ({ seq: index + 1, inputs, bytes: inputs.reduce((sum, input) => sum + input.requestBytes, 0) }));
}

/** What send() needs besides the plan: `halt` stops the run as the pipeline's own controller does. */
function services(bus: EventBus, answers?: FakeAnswers): SendServices & { calls: string[] } {
  const halted = new AbortController();
  const client = answers && fakeClient(answers);
  return {
    caller: client && callerOver(client),
    calls: client?.calls ?? [],
    bus,
    addJobId: client && "job-1",
    stopped: () => halted.signal.aborted,
    halt: () => halted.abort(),
  };
}

/** The event `send` emits for an input of batch `batch`. */
function inputEvent(input: PlannedInput, batch: number, fields: Partial<InputEvent>): InputEvent {
  return inputEventOf(input.accepted.candidate, { id: input.id, status: "would_upload", batch, ...fields });
}

const textOf = (input: PlannedInput): string => (input.accepted.candidate.content.kind === "text" ? input.accepted.candidate.content.text : "");

describe("send", () => {
  it("in a dry run (no caller), says per input that it would upload it and per batch what it holds, naming no inputs-add job", async () => {
    const a = plannedText("a", { regions: [Region.fromPartial({ id: "r1" }), Region.fromPartial({ id: "r2" })] });
    const b = plannedText("b");
    const c = plannedText("c");
    const batches = batchesOf([a, b], [c]);
    const { bus, events } = recordingBus();
    const result = await send(testPlan([], { dryRun: true }), fromArray(batches), services(bus));
    expect(result).toEqual({ outcome: "done", message: undefined });
    expect(events).toEqual([
      { type: "annotations", posted: 2 },
      inputEvent(a, 1, {}),
      inputEvent(b, 1, {}),
      { type: "batch", seq: 1, inputs: 2, bytes: batches[0]!.bytes },
      { type: "annotations", posted: 0 },
      inputEvent(c, 2, {}),
      { type: "batch", seq: 2, inputs: 1, bytes: batches[1]!.bytes },
    ]);
    // No event claims a network outcome, and no batch names an inputs-add job.
    expect(events.some((event) => event.type === "input" && event.status !== "would_upload")).toBe(false);
    expect(events.some((event) => event.type === "batch" && event.addJob !== undefined)).toBe(false);
  });

  it("posts each batch, and reports each input uploaded with its digest and batch", async () => {
    const a = plannedText("a");
    const b = plannedText("b");
    const c = plannedText("c", { replacesFailed: true, processingFailures: 1 });
    const batches = batchesOf([a, b], [c]);
    const { bus, events } = recordingBus();
    const run = services(bus, {});
    const result = await send(testPlan(), fromArray(batches), run);
    expect(result).toEqual({ outcome: "done", message: undefined });
    // The input that failed processing before is deleted first, then sent again.
    expect(run.calls).toEqual(["postInputs a,b", "deleteInputs", "postInputs c"]);
    const uploaded = (input: PlannedInput, batch: number, extra: object = {}) =>
      inputEvent(input, batch, { status: "uploaded", bytes: input.accepted.size, digest: digestOf(textOf(input)), ...extra });
    expect(events).toEqual([
      uploaded(a, 1),
      uploaded(b, 1),
      { type: "batch", seq: 1, inputs: 2, bytes: batches[0]!.bytes, addJob: "job-1" },
      uploaded(c, 2, { processingFailures: 1 }),
      { type: "batch", seq: 2, inputs: 1, bytes: batches[1]!.bytes, addJob: "job-1" },
    ]);
  });

  it("reports an input the platform refuses as failed with its reason, and the rest of the batch uploaded", async () => {
    const a = plannedText("a");
    const b = plannedText("b");
    const { bus, events } = recordingBus();
    await send(testPlan(), fromArray(batchesOf([a, b])), services(bus, { post: (ids) => postAnswer(ids, { b: StatusCode.INPUT_INVALID_ARGUMENT }) }));
    expect(events.map((event) => (event.type === "input" ? [event.id, event.status, event.reason] : [event.type]))).toEqual([
      ["a", "uploaded", undefined],
      ["b", "failed", "input_invalid_argument"],
      ["batch"],
    ]);
  });

  it("names, for each input that ran out of retries, why that input was turned away", async () => {
    const [a, b, c] = [plannedText("a"), plannedText("b"), plannedText("c")];
    const { bus, events } = recordingBus();
    const answers = { post: (ids: string[]) => postAnswer(ids, { a: StatusCode.INPUT_CONNECTION_FAILED, c: StatusCode.INPUT_CONNECTION_FAILED }) };
    await send(testPlan(), fromArray(batchesOf([a, b, c])), services(bus, answers));
    const failed = events.flatMap((event) => (event.type === "input" && event.status === "failed" ? [[event.id, event.reason, event.message]] : []));
    expect(failed).toEqual([
      ["a", "retries_exhausted", expect.stringMatching(/: gave up after 0 retries \(PostInputs: input a: INPUT_CONNECTION_FAILED/)],
      ["c", "retries_exhausted", expect.stringMatching(/: gave up after 0 retries \(PostInputs: input c: INPUT_CONNECTION_FAILED/)],
    ]);
  });

  it("after a first Ctrl-C keeps what the answer accepted, and reports what it would have tried again as failed", async () => {
    const [a, b] = [plannedText("a"), plannedText("b")];
    const { bus, events } = recordingBus();
    const client = fakeClient({ post: (ids) => postAnswer(ids, { b: StatusCode.INPUT_CONNECTION_FAILED }) });
    const stopped = new AbortController();
    stopped.abort();
    const caller = new Caller(client, { rps: 0, retry: { maxRetries: 5, baseDelayMs: 0, maxDelayMs: 0 }, stop: stopped.signal });
    await send(testPlan(), fromArray(batchesOf([a, b])), { ...services(bus), caller, addJobId: "job-1" });
    const inputs = events.flatMap((event) => (event.type === "input" ? [[event.id, event.status, event.reason, event.message]] : []));
    expect(inputs).toEqual([
      ["a", "uploaded", undefined, undefined],
      ["b", "failed", "retries_exhausted", expect.stringMatching(/: not tried again: the run was stopped \(PostInputs: input b: INPUT_CONNECTION_FAILED/)],
    ]);
    expect(client.calls).toHaveLength(1);
  });

  /** How a worker's PostInputs fails: the answer each way of stopping gets. */
  const failures: Record<Exclude<RunOutcome, "done">, () => Error> = {
    auth: () => new ApiError("PostInputs: key refused", "auth", undefined, 16),
    unreachable: () => new ApiError("PostInputs: connection refused", "retry", undefined, 14),
    interrupted: () => new UploadError("interrupted", "cancelled"),
  };

  it.each([
    ["auth", "unreachable", "auth"],
    ["unreachable", "auth", "auth"],
    ["interrupted", "unreachable", "unreachable"],
    ["unreachable", "interrupted", "unreachable"],
  ] as const)("when one worker finds %s and another then %s, the run's outcome is %s", async (first, second, worst) => {
    const a = plannedText("a");
    const b = plannedText("b");
    // Both requests are held until both have arrived; then they fail in the order given.
    const held = new Map<string, (error: Error) => void>();
    let bothArrived: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (bothArrived = resolve));
    const post = (ids: string[]): Promise<MultiInputResponse> =>
      new Promise((_resolve, reject) => {
        held.set(ids.join(","), reject);
        if (held.size === 2) bothArrived();
      });
    const { bus, events } = recordingBus();
    // A failure is fully handled once its batch is reported (auth: as not sent; interrupted: as unconfirmed).
    let reported: () => void = () => undefined;
    bus.on((event) => {
      if (event.type === "batch" || event.type === "not_sent" || event.type === "unconfirmed") reported();
    });
    const nextReport = () => new Promise<void>((resolve) => (reported = resolve));

    const sending = send(testPlan([], { concurrency: 2 }), fromArray(batchesOf([a], [b])), services(bus, { post }));
    await arrived;
    const firstDone = nextReport();
    held.get("a")?.(failures[first]());
    await firstDone;
    held.get("b")?.(failures[second]());
    const result = await sending;

    expect(result).toEqual({ outcome: worst, message: failures[worst]().message });
    const reportOf = (outcome: string, input: PlannedInput, seq: number): UploadEvent[] =>
      outcome === "unreachable"
        ? [inputEvent(input, seq, { status: "failed", reason: "unreachable", message: `${input.accepted.candidate.source}: PostInputs: connection refused`, digest: digestOf(textOf(input)) }), { type: "batch", seq, inputs: 1, bytes: input.requestBytes, addJob: "job-1" }]
        : // A request a second Ctrl-C cancelled may have reached the server; one the key was refused for did not.
          [{ type: outcome === "interrupted" ? "unconfirmed" : "not_sent", inputs: 1 }];
    expect(events).toEqual([...reportOf(first, a, 1), ...reportOf(second, b, 2)]);
  });

  it("once stopped, sends no new batch and counts the inputs of every batch left as not sent", async () => {
    const { bus, events } = recordingBus();
    const run = services(bus, {});
    const [first, second, third] = batchesOf([plannedText("a"), plannedText("b")], [plannedText("c")], [plannedText("d"), plannedText("e"), plannedText("f")]);
    // Ctrl-C while the worker waits for its next batch.
    async function* batches(): AsyncGenerator<Batch> {
      yield first!;
      run.halt();
      yield second!;
      yield third!;
    }
    const result = await send(testPlan(), batches(), run);
    expect(result).toEqual({ outcome: "done", message: undefined });
    expect(run.calls).toEqual(["postInputs a,b"]);
    expect(events.filter((event) => event.type !== "input")).toEqual([
      { type: "batch", seq: 1, inputs: 2, bytes: first!.bytes, addJob: "job-1" },
      { type: "not_sent", inputs: 1 },
      { type: "not_sent", inputs: 3 },
    ]);
  });
});
