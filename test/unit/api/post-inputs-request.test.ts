import { describe, expect, it } from "vitest";
import { encodePostInputsRequest } from "../../../src/api/post-inputs-request.js";
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

describe("encodePostInputsRequest", () => {
  it("decodes to the same request as the generated encoding, for every kind of input", () => {
    const ours = encodePostInputsRequest(request);
    expect(PostInputsRequest.decode(ours)).toEqual(PostInputsRequest.decode(PostInputsRequest.encode(request).finish()));
    expect(PostInputsRequest.decode(ours)).toEqual(request);
  });

  it("has the same size as the generated encoding", () => {
    expect(encodePostInputsRequest(request).byteLength).toBe(PostInputsRequest.encode(request).finish().byteLength);
  });
});
