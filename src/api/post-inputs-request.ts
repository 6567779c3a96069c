import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Audio, Data, Image, Input, Video } from "../gen/clarifai/api/resources.js";
import { PostInputsRequest } from "../gen/clarifai/api/service.js";

const LENGTH_DELIMITED = 2;
/** Field numbers: PostInputsRequest.inputs, Input.data, and `base64` in Image, Video and Audio. */
const INPUTS_FIELD = 2;
const DATA_FIELD = 2;
const BASE64_FIELD = 2;
const EMPTY = Buffer.alloc(0);

/**
 * Encodes a PostInputs request copying each input's media bytes once, into the finished
 * message. The generated writer copies a nested message into its parent at every level
 * (the bytes into Image, Image into Data, Data into Input, Input into the request): four
 * copies of every file, all garbage at once, which dominated memory and garbage
 * collection with large files. Here the generated code encodes everything but the media
 * bytes, and each message's media field is appended after its other fields (protobuf
 * reads fields in any order), with the lengths of the enclosing messages computed.
 */
export function encodePostInputsRequest(request: PostInputsRequest): Buffer {
  const chunks: Uint8Array[] = [PostInputsRequest.encode({ ...request, inputs: [] }).finish()];
  for (const input of request.inputs) chunks.push(...field(INPUTS_FIELD, inputParts(input)));
  return Buffer.concat(chunks);
}

function inputParts(input: Input): Uint8Array[] {
  const data = input.data;
  const media = data === undefined ? undefined : mediaOf(data);
  if (data === undefined || media === undefined) return [Input.encode(input).finish()];
  const mediaParts = [media.encodeWithoutBytes(), ...field(BASE64_FIELD, [media.bytes])];
  const dataParts = [Data.encode({ ...data, [media.key]: undefined }).finish(), ...field(media.field, mediaParts)];
  return [Input.encode({ ...input, data: undefined }).finish(), ...field(DATA_FIELD, dataParts)];
}

interface Media {
  key: "image" | "video" | "audio";
  /** The field number in Data. */
  field: number;
  bytes: Uint8Array;
  encodeWithoutBytes: () => Uint8Array;
}

function mediaOf(data: Data): Media | undefined {
  const { image, video, audio } = data;
  if (image && image.base64.byteLength > 0) {
    return { key: "image", field: 1, bytes: image.base64, encodeWithoutBytes: () => Image.encode({ ...image, base64: EMPTY }).finish() };
  }
  if (video && video.base64.byteLength > 0) {
    return { key: "video", field: 2, bytes: video.base64, encodeWithoutBytes: () => Video.encode({ ...video, base64: EMPTY }).finish() };
  }
  if (audio && audio.base64.byteLength > 0) {
    return { key: "audio", field: 14, bytes: audio.base64, encodeWithoutBytes: () => Audio.encode({ ...audio, base64: EMPTY }).finish() };
  }
  return undefined;
}

/** A length-delimited field: its tag and length, then the parts that make its value. */
function field(number: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
  return [new BinaryWriter().uint32((number << 3) | LENGTH_DELIMITED).uint32(length).finish(), ...parts];
}
