import { Duplex } from "node:stream";
import { Client, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FRAME_HEADER_BYTES, frameLargeRequestsInPlace, IN_PLACE_MIN_BYTES } from "../../../src/api/frame-in-place.js";
import { layOutPostInputsRequest, type EncodedPostInputs } from "../../../src/api/post-inputs-request.js";
import { Input } from "../../../src/gen/clarifai/api/resources.js";
import { MultiInputResponse, PostInputsRequest, V2Service } from "../../../src/gen/clarifai/api/service.js";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { largeMp4 } from "../../helpers/large-video.js";

/** Every buffer written to a client HTTP/2 stream while it is on: what grpc-js hands Node to send. */
function recordStreamWrites(): { writes: Buffer[]; stop(): void } {
  const original = Duplex.prototype.write;
  const writes: Buffer[] = [];
  Duplex.prototype.write = function write(this: Duplex, ...args: unknown[]) {
    if (this.constructor.name === "ClientHttp2Stream" && Buffer.isBuffer(args[0])) writes.push(args[0]);
    return Reflect.apply(original, this, args) as boolean;
  } as typeof original;
  return { writes, stop: () => void (Duplex.prototype.write = original) };
}

/** Whether two buffers are the same bytes of the same memory. */
const sameMemory = (a: Buffer, b: Buffer): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;

describe("frameLargeRequestsInPlace", { timeout: 30_000 }, () => {
  let app: TestApp;
  let recording: ReturnType<typeof recordStreamWrites> | undefined;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterEach(() => recording?.stop());
  afterAll(async () => {
    await app.close();
  });

  /** A PostInputs request of one video of `size` bytes, laid out as the uploader lays it out. */
  function videoRequest(id: string, size: number): { encoded: EncodedPostInputs; bytes: Buffer } {
    const bytes = largeMp4(size);
    const encoded = layOutPostInputsRequest(PostInputsRequest.fromPartial({ userAppId: app.client.userAppId }), [{ message: Input.fromPartial({ id, data: { video: {} } }), content: { kind: "video", size } }]);
    encoded.slot(0).set(bytes);
    return { encoded, bytes };
  }

  async function stored(id: string): Promise<Buffer> {
    const answer = await app.client.call("getInput", { inputId: id });
    return Buffer.from(answer.input?.data?.video?.base64 ?? []);
  }

  it("takes effect on the grpc-js installed (if this fails after an upgrade, large requests are copied once more: see frame-in-place.ts)", async () => {
    expect(await frameLargeRequestsInPlace()).toBe(true);
  });

  it("hands the HTTP/2 stream a large request in the memory it was laid out in, framed in the room before it", async () => {
    await frameLargeRequestsInPlace();
    const { encoded, bytes } = videoRequest("in-place", 2 * IN_PLACE_MIN_BYTES + 7);
    recording = recordStreamWrites();
    const answer = await app.client.postEncodedInputs(encoded.buffer);
    recording.stop();
    expect(answer.status?.code).toBe(10000);
    expect(recording.writes).toHaveLength(1);
    const framed = recording.writes[0]!;
    expect(sameMemory(framed, encoded.memory)).toBe(true);
    // Not compressed, then the request's length.
    expect(framed[0]).toBe(0);
    expect(framed.readUInt32BE(1)).toBe(encoded.buffer.length);
    expect(framed.length).toBe(FRAME_HEADER_BYTES + encoded.buffer.length);
    expect((await stored("in-place")).equals(bytes)).toBe(true);
  });

  it("leaves a small request, and one not laid out with room for its header, to grpc-js's copy", async () => {
    await frameLargeRequestsInPlace();
    const small = videoRequest("small", IN_PLACE_MIN_BYTES - 100);
    const elsewhere = videoRequest("elsewhere", 2 * IN_PLACE_MIN_BYTES);
    recording = recordStreamWrites();
    await app.client.postEncodedInputs(small.encoded.buffer);
    await app.client.postEncodedInputs(Buffer.from(elsewhere.encoded.buffer));
    recording.stop();
    expect(recording.writes).toHaveLength(2);
    expect(recording.writes.some((write) => write.buffer === small.encoded.memory.buffer || write.buffer === elsewhere.encoded.memory.buffer)).toBe(false);
    expect((await stored("small")).equals(small.bytes)).toBe(true);
    expect((await stored("elsewhere")).equals(elsewhere.bytes)).toBe(true);
  });

  it("leaves a large request to grpc-js when the channel compresses what it sends", async () => {
    await frameLargeRequestsInPlace();
    const { encoded, bytes } = videoRequest("gzipped", 2 * IN_PLACE_MIN_BYTES);
    // grpc-js's compression algorithm 2 is gzip.
    const client = new Client(app.server.address, credentials.createInsecure(), { "grpc.default_compression_algorithm": 2 });
    const metadata = new Metadata();
    metadata.set("authorization", "Key test-pat");
    recording = recordStreamWrites();
    try {
      const answer = await new Promise<MultiInputResponse>((resolve, reject) => {
        client.makeUnaryRequest(V2Service.postInputs.path, (request: Buffer) => request, MultiInputResponse.decode, encoded.buffer, metadata, (error: ServiceError | null, response?: MultiInputResponse) =>
          error || !response ? reject(error) : resolve(response),
        );
      });
      expect(answer.status?.code).toBe(10000);
    } finally {
      recording.stop();
      client.close();
    }
    expect(recording.writes).toHaveLength(1);
    const framed = recording.writes[0]!;
    expect(framed[0]).toBe(1); // compressed
    expect(framed.buffer === encoded.memory.buffer).toBe(false);
    expect((await stored("gzipped")).equals(bytes)).toBe(true);
  });
});
