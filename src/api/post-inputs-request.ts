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
  const pieces = inputs.map((input) => piecesOf(input, writer));
  const total = pieces.reduce((sum, piece) => sum + fieldLength(INPUTS_FIELD, piece.length), header.byteLength);
  const buffer = allocate(total);
  buffer.set(header, 0);
  let offset = header.byteLength;
  const ranges = pieces.map((piece) => {
    const start = offset;
    offset = writeHeader(buffer, offset, INPUTS_FIELD, piece.length);
    offset = writeBytes(buffer, offset, piece.input);
    if (piece.media) {
      const { data, media } = piece;
      offset = writeHeader(buffer, offset, DATA_FIELD, data.length);
      offset = writeBytes(buffer, offset, data.fields);
      offset = writeHeader(buffer, offset, media.field, media.length);
      offset = writeBytes(buffer, offset, media.fields);
      offset = writeHeader(buffer, offset, BASE64_FIELD, media.size);
      offset += media.size;
    }
    return { start, end: offset, mediaSize: piece.media?.size ?? 0 };
  });
  return new EncodedPostInputs(buffer, header.byteLength, ranges);
}

/**
 * One input's encoding, outside in: the input's fields but `data`, then the data's fields
 * but the media, then the media's fields but the bytes, then the bytes (only their size
 * here). `length` is the encoded input's length.
 */
type InputPieces =
  | { length: number; input: Uint8Array; data?: undefined; media?: undefined }
  | {
      length: number;
      input: Uint8Array;
      data: { fields: Uint8Array; length: number };
      media: { field: number; fields: Uint8Array; size: number; length: number };
    };

function piecesOf({ message, media }: InputLayout, writer: BinaryWriter): InputPieces {
  if (!media) {
    const input = Input.encode(message, writer).finish();
    return { length: input.byteLength, input };
  }
  const data = message.data ?? Data.fromPartial({});
  const mediaFields = encodeWithoutBytes(media.kind, data, writer);
  const mediaLength = mediaFields.byteLength + fieldLength(BASE64_FIELD, media.size);
  const dataFields = Data.encode({ ...data, [media.kind]: undefined }, writer).finish();
  const dataLength = dataFields.byteLength + fieldLength(MEDIA_FIELDS[media.kind], mediaLength);
  const input = Input.encode({ ...message, data: undefined }, writer).finish();
  return {
    length: input.byteLength + fieldLength(DATA_FIELD, dataLength),
    input,
    data: { fields: dataFields, length: dataLength },
    media: { field: MEDIA_FIELDS[media.kind], fields: mediaFields, size: media.size, length: mediaLength },
  };
}

function encodeWithoutBytes(kind: MediaKind, data: Data, writer: BinaryWriter): Uint8Array {
  if (kind === "image") return Image.encode({ ...Image.fromPartial(data.image ?? {}), base64: EMPTY }, writer).finish();
  if (kind === "video") return Video.encode({ ...Video.fromPartial(data.video ?? {}), base64: EMPTY }, writer).finish();
  return Audio.encode({ ...Audio.fromPartial(data.audio ?? {}), base64: EMPTY }, writer).finish();
}

/** The encoded length of a length-delimited field holding `length` bytes. */
function fieldLength(field: number, length: number): number {
  return varintLength((field << 3) | LENGTH_DELIMITED) + varintLength(length) + length;
}

function varintLength(value: number): number {
  let length = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

/** Writes a length-delimited field's tag and length at `offset`; returns the offset after them. */
function writeHeader(buffer: Buffer, offset: number, field: number, length: number): number {
  return writeVarint(buffer, writeVarint(buffer, offset, (field << 3) | LENGTH_DELIMITED), length);
}

function writeVarint(buffer: Buffer, offset: number, value: number): number {
  while (value > 0x7f) {
    buffer[offset++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  buffer[offset++] = value;
  return offset;
}

function writeBytes(buffer: Buffer, offset: number, bytes: Uint8Array): number {
  buffer.set(bytes, offset);
  return offset + bytes.byteLength;
}
