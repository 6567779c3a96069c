import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Audio, Data, Image, Input, Video } from "../gen/clarifai/api/resources.js";
import { PostInputsRequest } from "../gen/clarifai/api/service.js";

const LENGTH_DELIMITED = 2;
/** Field numbers: PostInputsRequest.inputs, Input.data, and `base64` in Image, Video and Audio. */
const INPUTS_FIELD = 2;
const DATA_FIELD = 2;
const BASE64_FIELD = 2;
const MEDIA_FIELDS = { image: 1, video: 2, audio: 14 } as const;
const EMPTY = Buffer.alloc(0);

export type MediaKind = keyof typeof MEDIA_FIELDS;

/** One input of a request to lay out: its message, and the size of media bytes to leave room for. */
export interface InputLayout {
  /** The input; the `base64` of its media, if any, is not used (the media may also be absent). */
  message: Input;
  media?: { kind: MediaKind; size: number };
}

/**
 * A PostInputs request encoded into one buffer, with each input's media bytes still to be
 * written into their slots. Reading files straight into the request is what keeps one
 * copy of each file in memory: the generated writer copies a nested message into its
 * parent at every level (the bytes into Image, Image into Data, Data into Input, Input
 * into the request), four copies of every file.
 *
 * Each message's media field is written after its other fields (protobuf reads fields in
 * any order), so an input's bytes end its encoding, and each input is one contiguous
 * range: a request with fewer inputs, for a retry, is the header and those ranges.
 */
export class EncodedPostInputs {
  constructor(
    readonly buffer: Buffer,
    private readonly headerLength: number,
    private readonly ranges: ReadonlyArray<{ start: number; end: number; mediaSize: number }>,
  ) {}

  /** Where input `index`'s media bytes go: exactly as long as the size it was laid out with. */
  mediaSlot(index: number): Buffer {
    const range = this.ranges[index];
    if (!range) throw new RangeError(`no input ${index} in this request`);
    return this.buffer.subarray(range.end - range.mediaSize, range.end);
  }

  /** The request with only the inputs at `indices`: the whole buffer when that is all of them. */
  only(indices: readonly number[]): Buffer {
    if (indices.length === this.ranges.length && indices.every((index, position) => index === position)) return this.buffer;
    const parts = [this.buffer.subarray(0, this.headerLength)];
    for (const index of indices) {
      const range = this.ranges[index];
      if (!range) throw new RangeError(`no input ${index} in this request`);
      parts.push(this.buffer.subarray(range.start, range.end));
    }
    return Buffer.concat(parts);
  }
}

/** Encodes `request` with its inputs as laid out; the media slots are left unwritten. */
export function layOutPostInputsRequest(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly InputLayout[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedPostInputs {
  // One writer for every generated encoding: its buffer, once grown, serves them all.
  const writer = new BinaryWriter();
  const header = PostInputsRequest.encode({ ...request, inputs: [] }, writer).finish();
  const encoded = inputs.map((input) => field(INPUTS_FIELD, inputParts(input, writer)));
  const total = header.byteLength + encoded.reduce((sum, parts) => sum + lengthOf(parts), 0);
  const buffer = allocate(total);
  buffer.set(header, 0);
  let offset = header.byteLength;
  const ranges = encoded.map((parts, index) => {
    const start = offset;
    for (const part of parts) {
      if (typeof part === "number") offset += part;
      else {
        buffer.set(part, offset);
        offset += part.byteLength;
      }
    }
    return { start, end: offset, mediaSize: inputs[index]?.media?.size ?? 0 };
  });
  return new EncodedPostInputs(buffer, header.byteLength, ranges);
}

/** Encoded bytes, or the length of a media slot, whose bytes are written later. */
type Part = Uint8Array | number;

function inputParts({ message, media }: InputLayout, writer: BinaryWriter): Part[] {
  if (!media) return [Input.encode(message, writer).finish()];
  const data = message.data ?? Data.fromPartial({});
  const mediaParts = [encodeWithoutBytes(media.kind, data, writer), ...field(BASE64_FIELD, [media.size])];
  const dataParts = [Data.encode({ ...data, [media.kind]: undefined }, writer).finish(), ...field(MEDIA_FIELDS[media.kind], mediaParts)];
  return [Input.encode({ ...message, data: undefined }, writer).finish(), ...field(DATA_FIELD, dataParts)];
}

function encodeWithoutBytes(kind: MediaKind, data: Data, writer: BinaryWriter): Uint8Array {
  if (kind === "image") return Image.encode({ ...Image.fromPartial(data.image ?? {}), base64: EMPTY }, writer).finish();
  if (kind === "video") return Video.encode({ ...Video.fromPartial(data.video ?? {}), base64: EMPTY }, writer).finish();
  return Audio.encode({ ...Audio.fromPartial(data.audio ?? {}), base64: EMPTY }, writer).finish();
}

/** A length-delimited field: its tag and length, then the parts that make its value. */
function field(number: number, parts: Part[]): Part[] {
  return [varints((number << 3) | LENGTH_DELIMITED, lengthOf(parts)), ...parts];
}

/** Protobuf varints of non-negative numbers under 2^32. */
function varints(...values: number[]): Uint8Array {
  const bytes: number[] = [];
  for (let value of values) {
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value);
  }
  return Uint8Array.from(bytes);
}

function lengthOf(parts: readonly Part[]): number {
  return parts.reduce((sum: number, part) => sum + (typeof part === "number" ? part : part.byteLength), 0);
}
