import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Audio, Data, Image, Input, Text, Video } from "../gen/clarifai/api/resources.js";
import { PostInputsRequest } from "../gen/clarifai/api/service.js";
import { afterFrameHeader, FRAME_HEADER_BYTES } from "./frame-in-place.js";

const LENGTH_DELIMITED = 2;
/** Field numbers: PostInputsRequest.inputs and Input.data. */
const INPUTS_FIELD = 2;
const DATA_FIELD = 2;
/** Where a file's bytes go: the message's field in Data, and the bytes' field in it (`base64`, or the text's `raw`). */
const CONTENT_FIELDS = {
  image: { inData: 1, bytes: 2 },
  video: { inData: 2, bytes: 2 },
  audio: { inData: 14, bytes: 2 },
  text: { inData: 13, bytes: 1 },
} as const;
const EMPTY = Buffer.alloc(0);

export type ContentKind = keyof typeof CONTENT_FIELDS;

/** One input of a request to lay out: its message, and the size of the file's bytes to leave room for. */
export interface InputLayout {
  /** The input; the bytes of its content message, if any, are not used (the message may also be absent). */
  message: Input;
  content?: { kind: ContentKind; size: number };
}

/**
 * An input as the uploader sends it: only the fields it sets. Laying these out skips the
 * generated message, whose defaults (every field of Input, Data and the content message)
 * would be built and checked for each of thousands of inputs.
 */
export interface UploadInput {
  readonly id: string;
  readonly datasetIds: readonly string[];
  /** A value of 0 (a negative concept) is the field's default, and is not written. */
  readonly concepts: ReadonlyArray<{ readonly id: string; readonly name: string; readonly value: number }>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly geo?: { readonly longitude: number; readonly latitude: number };
  /** The content message: its kind, and a URL's `url` and `allowDuplicateUrl` or a text's `raw`. */
  readonly content: { readonly kind: ContentKind; readonly url?: string; readonly allowDuplicateUrl?: boolean; readonly raw?: string };
  /** A text sent next to an image or video (`Data.text.raw`). */
  readonly prompt?: string;
  /** The size of the file's bytes to leave room for, when they are read into the request. */
  readonly slotSize?: number;
}

/**
 * A PostInputs request encoded into one buffer, with each input's file bytes (an image's,
 * video's or audio's `base64`, a text's UTF-8 `raw`) still to be written into their
 * slots. Reading files straight into the request is what keeps one copy of each file in
 * memory: the generated writer copies a nested message into its parent at every level
 * (the bytes into Image, Image into Data, Data into Input, Input into the request), four
 * copies of every file.
 *
 * The field holding the bytes is written after the other fields of each message
 * (protobuf reads fields in any order), so an input's bytes end its encoding, and each
 * input is one contiguous range: a request with fewer inputs, for a retry, is the header
 * and those ranges.
 *
 * The request lies in `memory` after room for gRPC's frame header, so that a large one is
 * sent as it is, not copied once more (see frameLargeRequestsInPlace).
 */
export class EncodedPostInputs {
  constructor(
    /** What the request was laid out in: its frame header's room, then `buffer`. */
    readonly memory: Buffer,
    readonly buffer: Buffer,
    private readonly headerLength: number,
    private readonly ranges: ReadonlyArray<{ start: number; end: number; slotSize: number }>,
  ) {}

  /** Where input `index`'s file bytes go: exactly as long as the size it was laid out with. */
  slot(index: number): Buffer {
    const range = this.rangeOf(index);
    return this.buffer.subarray(range.end - range.slotSize, range.end);
  }

  /** Input `index`'s encoding before its file bytes: its id, metadata and the other fields. */
  fieldsBeforeSlot(index: number): Buffer {
    const range = this.rangeOf(index);
    return this.buffer.subarray(range.start, range.end - range.slotSize);
  }

  /** The request with only the inputs at `indices`: the whole buffer when that is all of them. */
  only(indices: readonly number[]): Buffer {
    if (indices.length === this.ranges.length && indices.every((index, position) => index === position)) return this.buffer;
    const parts = [this.buffer.subarray(0, this.headerLength)];
    for (const index of indices) {
      const range = this.rangeOf(index);
      parts.push(this.buffer.subarray(range.start, range.end));
    }
    return Buffer.concat(parts);
  }

  private rangeOf(index: number): { start: number; end: number; slotSize: number } {
    const range = this.ranges[index];
    if (!range) throw new RangeError(`no input ${index} in this request`);
    return range;
  }
}

/** Encodes `request` with its inputs as laid out; the slots are left unwritten. */
export function layOutPostInputsRequest(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly InputLayout[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedPostInputs {
  return layOut(request, inputs, piecesOf, allocate);
}

/** `layOutPostInputsRequest` for inputs as the uploader sends them. */
export function layOutUploadInputs(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly UploadInput[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedPostInputs {
  return layOut(request, inputs, uploadPiecesOf, allocate);
}

function layOut<T>(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly T[],
  piecesOfInput: (input: T, writer: BinaryWriter) => InputPieces,
  allocate: (size: number) => Buffer,
): EncodedPostInputs {
  // One writer for every input's encoding: its buffer, once grown, serves them all.
  const writer = new BinaryWriter();
  const header = PostInputsRequest.encode({ ...request, inputs: [] }, writer).finish();
  const pieces = inputs.map((input) => piecesOfInput(input, writer));
  const total = pieces.reduce((sum, piece) => sum + fieldLength(INPUTS_FIELD, piece.length), header.byteLength);
  const memory = allocate(FRAME_HEADER_BYTES + total);
  const buffer = afterFrameHeader(memory);
  buffer.set(header, 0);
  let offset = header.byteLength;
  const ranges = pieces.map((piece) => {
    const start = offset;
    offset = writeHeader(buffer, offset, INPUTS_FIELD, piece.length);
    offset = writeBytes(buffer, offset, piece.input);
    if (piece.content) {
      const { data, content } = piece;
      offset = writeHeader(buffer, offset, DATA_FIELD, data.length);
      offset = writeBytes(buffer, offset, data.fields);
      offset = writeHeader(buffer, offset, content.field, content.length);
      offset = writeBytes(buffer, offset, content.fields);
      if (content.size !== undefined) {
        offset = writeHeader(buffer, offset, content.bytesField, content.size);
        offset += content.size;
      }
    }
    return { start, end: offset, slotSize: piece.content?.size ?? 0 };
  });
  return new EncodedPostInputs(memory, buffer, header.byteLength, ranges);
}

/**
 * One input's encoding, outside in: the input's fields but `data`, then the data's fields
 * but the content message, then that message's fields but the bytes, then the bytes (only
 * their size here). `length` is the encoded input's length.
 */
type InputPieces =
  | { length: number; input: Uint8Array; data?: undefined; content?: undefined }
  | {
      length: number;
      input: Uint8Array;
      data: { fields: Uint8Array; length: number };
      /** `size` is that of the slot for the file's bytes; without one, the content message has no bytes field. */
      content: { field: number; fields: Uint8Array; bytesField: number; size?: number; length: number };
    };

function piecesOf({ message, content }: InputLayout, writer: BinaryWriter): InputPieces {
  if (!content) {
    const input = Input.encode(message, writer).finish();
    return { length: input.byteLength, input };
  }
  const fields = CONTENT_FIELDS[content.kind];
  const data = message.data ?? Data.fromPartial({});
  const contentFields = encodeWithoutBytes(content.kind, data, writer);
  const contentLength = contentFields.byteLength + fieldLength(fields.bytes, content.size);
  const dataFields = Data.encode({ ...data, [content.kind]: undefined }, writer).finish();
  const dataLength = dataFields.byteLength + fieldLength(fields.inData, contentLength);
  const input = Input.encode({ ...message, data: undefined }, writer).finish();
  return {
    length: input.byteLength + fieldLength(DATA_FIELD, dataLength),
    input,
    data: { fields: dataFields, length: dataLength },
    content: { field: fields.inData, fields: contentFields, bytesField: fields.bytes, size: content.size, length: contentLength },
  };
}

/** Wire tags (field number and type) of the fields an UploadInput sets. */
const TAG = {
  inputId: (1 << 3) | LENGTH_DELIMITED,
  datasetId: (7 << 3) | LENGTH_DELIMITED,
  concept: (3 << 3) | LENGTH_DELIMITED,
  conceptId: (1 << 3) | LENGTH_DELIMITED,
  conceptName: (2 << 3) | LENGTH_DELIMITED,
  conceptValue: (3 << 3) | 5,
  metadata: (5 << 3) | LENGTH_DELIMITED,
  geo: (6 << 3) | LENGTH_DELIMITED,
  geoPoint: (1 << 3) | LENGTH_DELIMITED,
  longitude: (1 << 3) | 5,
  latitude: (2 << 3) | 5,
  prompt: (13 << 3) | LENGTH_DELIMITED,
  textRaw: (1 << 3) | LENGTH_DELIMITED,
} as const;
/** A media message's `url` and `allow_duplicate_url`; a Text's are 2 and 3. */
const URL_FIELDS = { media: { url: 1, allowDuplicateUrl: 4 }, text: { url: 2, allowDuplicateUrl: 3 } } as const;

function uploadPiecesOf(upload: UploadInput, writer: BinaryWriter): InputPieces {
  if (upload.id !== "") writer.uint32(TAG.inputId).string(upload.id);
  for (const id of upload.datasetIds) writer.uint32(TAG.datasetId).string(id);
  const input = writer.finish();

  for (const concept of upload.concepts) {
    writer.uint32(TAG.concept).fork();
    if (concept.id !== "") writer.uint32(TAG.conceptId).string(concept.id);
    if (concept.name !== "") writer.uint32(TAG.conceptName).string(concept.name);
    if (concept.value !== 0) writer.uint32(TAG.conceptValue).float(concept.value);
    writer.join();
  }
  // Written even when empty, as the generated encoding does for a metadata object.
  writeStruct(writer.uint32(TAG.metadata).fork(), upload.metadata).join();
  if (upload.geo) {
    writer.uint32(TAG.geo).fork().uint32(TAG.geoPoint).fork();
    if (upload.geo.longitude !== 0) writer.uint32(TAG.longitude).float(upload.geo.longitude);
    if (upload.geo.latitude !== 0) writer.uint32(TAG.latitude).float(upload.geo.latitude);
    writer.join().join();
  }
  if (upload.prompt !== undefined) {
    writer.uint32(TAG.prompt).fork();
    if (upload.prompt !== "") writer.uint32(TAG.textRaw).string(upload.prompt);
    writer.join();
  }
  const dataFields = writer.finish();

  const { kind, url, allowDuplicateUrl, raw } = upload.content;
  const fields = CONTENT_FIELDS[kind];
  const urlFields = kind === "text" ? URL_FIELDS.text : URL_FIELDS.media;
  if (raw !== undefined && raw !== "") writer.uint32((1 << 3) | LENGTH_DELIMITED).string(raw);
  if (url !== undefined && url !== "") writer.uint32((urlFields.url << 3) | LENGTH_DELIMITED).string(url);
  if (allowDuplicateUrl === true) writer.uint32(urlFields.allowDuplicateUrl << 3).bool(true);
  const contentFields = writer.finish();

  const size = upload.slotSize;
  const contentLength = contentFields.byteLength + (size === undefined ? 0 : fieldLength(fields.bytes, size));
  const dataLength = dataFields.byteLength + fieldLength(fields.inData, contentLength);
  return {
    length: input.byteLength + fieldLength(DATA_FIELD, dataLength),
    input,
    data: { fields: dataFields, length: dataLength },
    content: { field: fields.inData, fields: contentFields, bytesField: fields.bytes, size, length: contentLength },
  };
}

/**
 * A google.protobuf.Struct of a JSON-like object, as the generated `Struct.wrap` and
 * `Struct.encode` write it (keys whose value is undefined are left out), without the
 * wrapper objects they build for every value.
 */
function writeStruct(writer: BinaryWriter, object: Readonly<Record<string, unknown>>): BinaryWriter {
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue;
    writer.uint32((1 << 3) | LENGTH_DELIMITED).fork();
    if (key !== "") writer.uint32((1 << 3) | LENGTH_DELIMITED).string(key);
    writeValue(writer.uint32((2 << 3) | LENGTH_DELIMITED).fork(), value).join();
    writer.join();
  }
  return writer;
}

/** A google.protobuf.Value: null, number, string, bool, struct or list. */
function writeValue(writer: BinaryWriter, value: unknown): BinaryWriter {
  if (value === null) return writer.uint32(1 << 3).int32(0);
  switch (typeof value) {
    case "number":
      return writer.uint32((2 << 3) | 1).double(value);
    case "string":
      return writer.uint32((3 << 3) | LENGTH_DELIMITED).string(value);
    case "boolean":
      return writer.uint32(4 << 3).bool(value);
    case "undefined":
      return writer;
    case "object":
      if (Array.isArray(value)) {
        writer.uint32((6 << 3) | LENGTH_DELIMITED).fork();
        for (const item of value) writeValue(writer.uint32((1 << 3) | LENGTH_DELIMITED).fork(), item).join();
        return writer.join();
      }
      return writeStruct(writer.uint32((5 << 3) | LENGTH_DELIMITED).fork(), value as Record<string, unknown>).join();
    default:
      throw new Error(`Unsupported any value type: ${typeof value}`);
  }
}

function encodeWithoutBytes(kind: ContentKind, data: Data, writer: BinaryWriter): Uint8Array {
  if (kind === "image") return Image.encode({ ...Image.fromPartial(data.image ?? {}), base64: EMPTY }, writer).finish();
  if (kind === "video") return Video.encode({ ...Video.fromPartial(data.video ?? {}), base64: EMPTY }, writer).finish();
  if (kind === "audio") return Audio.encode({ ...Audio.fromPartial(data.audio ?? {}), base64: EMPTY }, writer).finish();
  return Text.encode({ ...Text.fromPartial(data.text ?? {}), raw: "" }, writer).finish();
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
