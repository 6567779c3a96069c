import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import { decodePostInputsAnswer } from "../../../src/api/post-inputs-answer.js";
import { MultiInputResponse } from "../../../src/gen/clarifai/api/service.js";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";

const answer = MultiInputResponse.fromPartial({
  status: { code: StatusCode.MIXED_STATUS, description: "Mixed Status", reqId: "r1" },
  inputs: [
    {
      id: "cat-1",
      status: { code: StatusCode.INPUT_DOWNLOAD_PENDING, description: "Download pending" },
      data: { image: { url: "https://example.com/a.jpg", base64: Buffer.from("not kept") }, concepts: [{ id: "cat", name: "cat", value: 1 }], metadata: { filename: "a.jpg", nested: { deep: [1, 2] } } },
      datasetIds: ["train"],
      createdAt: new Date("2026-01-02T03:04:05Z"),
    },
    { id: "dog-2", status: { code: StatusCode.INPUT_INVALID_ARGUMENT, description: "Invalid", details: "too large" }, data: { text: { raw: "words" } } },
    { id: "no-status" },
  ],
  inputsAddJob: { id: "job-1", progress: { pendingCount: 2, inProgressCount: 1 } },
});

describe("decodePostInputsAnswer", () => {
  it("reads the status, each input's id and status, and the add job, and skips the inputs' data", () => {
    const decoded = decodePostInputsAnswer(MultiInputResponse.encode(answer).finish());
    const full = MultiInputResponse.decode(MultiInputResponse.encode(answer).finish());
    expect(decoded.status).toEqual(full.status);
    expect(decoded.inputsAddJob).toEqual(full.inputsAddJob);
    expect(decoded.inputs.map((input) => ({ id: input.id, status: input.status }))).toEqual(full.inputs.map((input) => ({ id: input.id, status: input.status })));
    expect(decoded.inputs.map((input) => input.data)).toEqual([undefined, undefined, undefined]);
    expect(decoded.inputs[2]?.status).toBeUndefined();
  });

  it("skips fields it does not know, at either level", () => {
    const writer = new BinaryWriter();
    writer.uint32((99 << 3) | 0).uint32(7); // an unknown varint field in the answer
    writer.uint32((2 << 3) | 2).fork();
    writer.uint32((1 << 3) | 2).string("kept-id");
    writer.uint32((42 << 3) | 5).fixed32(1); // an unknown fixed32 field in the input
    writer.join();
    const decoded = decodePostInputsAnswer(writer.finish());
    expect(decoded.inputs.map((input) => input.id)).toEqual(["kept-id"]);
    expect(decoded.status).toBeUndefined();
  });
});
