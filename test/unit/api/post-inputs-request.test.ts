import { describe, expect, it } from "vitest";
import { FRAME_HEADER_BYTES } from "../../../src/api/frame-in-place.js";
import { layOutPostInputsRequest, layOutUploadInputs } from "../../../src/api/post-inputs-request.js";
import { encodeThroughSlots } from "../../helpers/slotted-encoding.js";
import { Input } from "../../../src/gen/clarifai/api/resources.js";
import { PostInputsRequest } from "../../../src/gen/clarifai/api/service.js";

const bytes = (size: number, seed: number): Buffer => Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) % 256));

const request = PostInputsRequest.fromPartial({
  userAppId: { userId: "me", appId: "app" },
  inputsAddJobId: "job-1",
  inputs: [
    {
      id: "photo",
      data: {
        image: { base64: bytes(300, 1), allowDuplicateUrl: true },
        concepts: [{ id: "cat", name: "Cat", value: 1 }],
        metadata: { filename: "photo.jpg", nested: { list: [1, "two", null] } },
        geo: { geoPoint: { longitude: 12.5, latitude: -45.25 } },
        text: { raw: "a prompt next to the image" },
      },
      datasetIds: ["train", "all"],
    },
    { id: "clip", data: { video: { base64: bytes(70_000, 2) }, metadata: { filename: "clip.mp4" } } },
    { id: "sound", data: { audio: { base64: bytes(129, 3) } }, datasetIds: ["audio"] },
    { id: "note", data: { text: { raw: "just text" } } },
    { id: "remote", data: { image: { url: "https://example.com/a.jpg" } } },
    { id: "bare" },
  ],
});

describe("layOutPostInputsRequest", () => {
  const { inputs: _, ...header } = request;

  it("decodes, once the files' bytes are written into their slots, to the same request as the generated encoding", () => {
    const ours = encodeThroughSlots(request).buffer;
    expect(ours.byteLength).toBe(PostInputsRequest.encode(request).finish().byteLength);
    expect(PostInputsRequest.decode(ours)).toEqual(PostInputsRequest.decode(PostInputsRequest.encode(request).finish()));
    expect(PostInputsRequest.decode(ours)).toEqual(request);
  });

  it("leaves slots exactly as long as the files, and none for inputs without one", () => {
    const encoded = layOutPostInputsRequest(header, [
      { message: Input.fromPartial({ id: "clip", data: { video: {} } }), content: { kind: "video", size: 70_000 } },
      { message: Input.fromPartial({ id: "note", data: { text: { raw: "just text" } } }) },
    ]);
    expect(encoded.slot(0).byteLength).toBe(70_000);
    expect(encoded.slot(1).byteLength).toBe(0);
    expect(() => encoded.slot(2)).toThrow(RangeError);
  });

  it("lies in the memory it was given after room for gRPC's frame header", () => {
    const sizes: number[] = [];
    const encoded = layOutPostInputsRequest(header, [{ message: Input.fromPartial({ id: "clip", data: { video: {} } }), content: { kind: "video", size: 70_000 } }], (size) => {
      sizes.push(size);
      return Buffer.alloc(size);
    });
    expect(sizes).toEqual([FRAME_HEADER_BYTES + encoded.buffer.length]);
    expect(encoded.memory.length).toBe(sizes[0]);
    expect(encoded.buffer.buffer).toBe(encoded.memory.buffer);
    expect(encoded.buffer.byteOffset).toBe(encoded.memory.byteOffset + FRAME_HEADER_BYTES);
  });

  it("gives the request of any subset of its inputs, for retries", () => {
    const encoded = encodeThroughSlots(request);
    expect(encoded.only([0, 1, 2, 3, 4, 5])).toBe(encoded.buffer);
    expect(PostInputsRequest.decode(encoded.only([2, 0]))).toEqual({ ...request, inputs: [request.inputs[2], request.inputs[0]] });
    expect(PostInputsRequest.decode(encoded.only([1]))).toEqual({ ...request, inputs: [request.inputs[1]] });
    expect(PostInputsRequest.decode(encoded.only([]))).toEqual({ ...request, inputs: [] });
    expect(() => encoded.only([6])).toThrow(RangeError);
  });

  it("encodes lengths of every varint size, up to files of several MiB", () => {
    for (const size of [1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152 + 5]) {
      const encoded = layOutPostInputsRequest(header, [{ message: Input.fromPartial({ id: `v${size}`, data: { video: {} } }), content: { kind: "video", size } }]);
      encoded.slot(0).fill(9);
      const decoded = PostInputsRequest.decode(encoded.buffer);
      expect(decoded.inputs[0]?.id).toBe(`v${size}`);
      expect(decoded.inputs[0]?.data?.video?.base64.byteLength).toBe(size);
    }
  });

  it("puts a text file's bytes into the text's raw field, next to the text's other fields", () => {
    const text = "Grüße, 世界\n";
    const bytes = Buffer.from(text, "utf8");
    const message = Input.fromPartial({ id: "note", data: { text: { url: "", allowDuplicateUrl: true }, metadata: { filename: "note.txt" } } });
    const encoded = layOutPostInputsRequest(header, [{ message, content: { kind: "text", size: bytes.length } }]);
    encoded.slot(0).set(bytes);
    const decoded = PostInputsRequest.decode(encoded.buffer).inputs[0];
    expect(decoded?.data?.text).toMatchObject({ raw: text, allowDuplicateUrl: true });
    expect(decoded?.data?.metadata).toEqual({ filename: "note.txt" });
  });

  it("reserves a slot for content the message does not hold at all", () => {
    const encoded = layOutPostInputsRequest(header, [{ message: Input.fromPartial({ id: "bare" }), content: { kind: "audio", size: 3 } }]);
    encoded.slot(0).set([7, 8, 9]);
    const decoded = PostInputsRequest.decode(encoded.buffer);
    expect(decoded.inputs[0]?.id).toBe("bare");
    expect([...(decoded.inputs[0]?.data?.audio?.base64 ?? [])]).toEqual([7, 8, 9]);
  });
});

describe("layOutUploadInputs", () => {
  const header = { userAppId: { userId: "me", appId: "app" }, inputsAddJobId: "job-1", inputIdConflictResolution: 0 };
  const metadata = {
    filename: "photo.jpg",
    "": "empty key",
    gone: undefined,
    nested: { list: [1, "two", null, true, { deep: [] }], none: null },
    flag: false,
    ratio: -0.125,
    // Strings past the short ASCII the encoder copies itself, and beyond ASCII.
    long: "x".repeat(200),
    "légende 🐈": "Grüße, 世界",
  };

  it("encodes what the uploader sets as the generated encoding of the same inputs does", () => {
    const image = bytes(300, 1);
    const text = Buffer.from("Grüße, 世界\n", "utf8");
    const encoded = layOutUploadInputs(header, [
      {
        id: "photo",
        datasetIds: ["train", "all"],
        concepts: [{ id: "cat", name: "Cat", value: 1 }, { id: "dog", name: "", value: 0 }, { id: "owl", name: "Owl", value: 0.5 }],
        metadata,
        geo: { longitude: 12.5, latitude: -45.25 },
        content: { kind: "image" },
        prompt: "a prompt next to the image",
        slotSize: image.length,
      },
      { id: "note", datasetIds: [], concepts: [], metadata: { filename: "note.txt" }, content: { kind: "text" }, slotSize: text.length },
      { id: "remote", datasetIds: [], concepts: [], metadata: {}, content: { kind: "video", url: "https://example.com/a.mp4", allowDuplicateUrl: true } },
      { id: "inline", datasetIds: ["d"], concepts: [], metadata: {}, geo: { longitude: 0, latitude: 3 }, content: { kind: "text", raw: "just text" }, prompt: undefined },
      { id: "empty-prompt", datasetIds: [], concepts: [], metadata: {}, content: { kind: "audio" }, prompt: "" },
    ]);
    encoded.slot(0).set(image);
    encoded.slot(1).set(text);
    const expected = PostInputsRequest.fromPartial({
      ...header,
      inputs: [
        {
          id: "photo",
          datasetIds: ["train", "all"],
          data: {
            image: { base64: image },
            concepts: [{ id: "cat", name: "Cat", value: 1 }, { id: "dog" }, { id: "owl", name: "Owl", value: 0.5 }],
            metadata,
            geo: { geoPoint: { longitude: 12.5, latitude: -45.25 } },
            text: { raw: "a prompt next to the image" },
          },
        },
        { id: "note", data: { text: { raw: text.toString("utf8") }, metadata: { filename: "note.txt" } } },
        { id: "remote", data: { video: { url: "https://example.com/a.mp4", allowDuplicateUrl: true }, metadata: {} } },
        { id: "inline", datasetIds: ["d"], data: { text: { raw: "just text" }, geo: { geoPoint: { latitude: 3 } }, metadata: {} } },
        { id: "empty-prompt", data: { audio: {}, text: {}, metadata: {} } },
      ],
    });
    const generated = PostInputsRequest.encode(expected).finish();
    expect(PostInputsRequest.decode(encoded.buffer)).toEqual(PostInputsRequest.decode(generated));
    expect(encoded.buffer.byteLength).toBe(generated.byteLength);
  });

  it("leaves a slot only for inputs whose bytes are read into the request", () => {
    const encoded = layOutUploadInputs(header, [
      { id: "clip", datasetIds: [], concepts: [], metadata: {}, content: { kind: "video" }, slotSize: 70_000 },
      { id: "remote", datasetIds: [], concepts: [], metadata: {}, content: { kind: "image", url: "https://example.com/a.jpg" } },
    ]);
    expect(encoded.slot(0).byteLength).toBe(70_000);
    expect(encoded.slot(1).byteLength).toBe(0);
    encoded.slot(0).fill(4);
    expect(PostInputsRequest.decode(encoded.only([1])).inputs[0]?.data?.image?.base64.byteLength).toBe(0);
    expect(PostInputsRequest.decode(encoded.only([0])).inputs[0]?.data?.video?.base64.byteLength).toBe(70_000);
  });
});
