import { Buffer } from "node:buffer";
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
    private readonly ranges: ReadonlyArray<InputRange>,
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

  /** Input `index`'s encoded metadata Struct, where its layout kept track of it. */
  metadataOf(index: number): Buffer | undefined {
    const { metadata } = this.rangeOf(index);
    return metadata && this.buffer.subarray(metadata.start, metadata.end);
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

  private rangeOf(index: number): InputRange {
    const range = this.ranges[index];
    if (!range) throw new RangeError(`no input ${index} in this request`);
    return range;
  }
}

/** Where an input lies in its request: its whole encoding, its file's slot at the end, its metadata. */
interface InputRange {
  start: number;
  end: number;
  slotSize: number;
  metadata?: { start: number; end: number };
}

/** Encodes `request` with its inputs as laid out; the slots are left unwritten. */
export function layOutPostInputsRequest(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly InputLayout[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedPostInputs {
  return layOut(request, inputs, piecesOf, allocate);
}

/**
 * `layOutPostInputsRequest` for inputs as the uploader sends them, written straight into
 * the request's memory: each message's length is worked out first, then its fields are
 * written in place, with no intermediate buffers.
 */
export function layOutUploadInputs(
  request: Omit<PostInputsRequest, "inputs">,
  inputs: readonly UploadInput[],
  allocate: (size: number) => Buffer = Buffer.allocUnsafe,
): EncodedPostInputs {
  const header = PostInputsRequest.encode({ ...request, inputs: [] }).finish();
  const sizes = inputs.map(sizeOfUploadInput);
  const total = sizes.reduce((sum, size) => sum + fieldLength(INPUTS_FIELD, size.length), header.byteLength);
  const memory = allocate(FRAME_HEADER_BYTES + total);
  const buffer = afterFrameHeader(memory);
  buffer.set(header, 0);
  let offset = header.byteLength;
  const ranges = inputs.map((input, index): InputRange => {
    const start = offset;
    const size = sizes[index]!;
    const written = writeUploadInput(buffer, writeHeader(buffer, offset, INPUTS_FIELD, size.length), input, size);
    offset = written.end;
    return { start, end: offset, slotSize: input.slotSize ?? 0, metadata: { start: written.metadataStart, end: written.metadataStart + size.metadata } };
  });
  return new EncodedPostInputs(memory, buffer, header.byteLength, ranges);
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

/** Field numbers of what an UploadInput sets, in Input, Data, Concept, Geo, GeoPoint and Text. */
const FIELD = { inputId: 1, datasetId: 7, concept: 3, conceptId: 1, conceptName: 2, conceptValue: 3, metadata: 5, geo: 6, geoPoint: 1, longitude: 1, latitude: 2, prompt: 13, textRaw: 1 } as const;
/** A media message's `url` and `allow_duplicate_url`; a Text's are 2 and 3. */
const URL_FIELDS = { media: { url: 1, allowDuplicateUrl: 4 }, text: { url: 2, allowDuplicateUrl: 3 } } as const;
/** Wire types besides LENGTH_DELIMITED. */
const VARINT = 0;
const FIXED64 = 1;
const FIXED32 = 5;

/** An UploadInput's encoded lengths: the input's, its Data's and its content message's (the slot included). */
interface UploadInputSize {
  length: number;
  data: number;
  metadata: number;
  content: number;
}

function sizeOfUploadInput(upload: UploadInput): UploadInputSize {
  let inputFields = upload.id !== "" ? stringFieldLength(upload.id) : 0;
  for (const id of upload.datasetIds) inputFields += stringFieldLength(id);
  let dataFields = 0;
  for (const concept of upload.concepts) dataFields += fieldLength(FIELD.concept, conceptLength(concept));
  // Written even when empty, as the generated encoding does for a metadata object.
  const metadata = structLength(upload.metadata);
  dataFields += fieldLength(FIELD.metadata, metadata);
  if (upload.geo) dataFields += fieldLength(FIELD.geo, fieldLength(FIELD.geoPoint, geoPointLength(upload.geo)));
  if (upload.prompt !== undefined) dataFields += fieldLength(FIELD.prompt, upload.prompt !== "" ? stringFieldLength(upload.prompt) : 0);
  const { raw, url, allowDuplicateUrl } = upload.content;
  let content = 0;
  if (raw !== undefined && raw !== "") content += stringFieldLength(raw);
  if (url !== undefined && url !== "") content += stringFieldLength(url);
  if (allowDuplicateUrl === true) content += 2;
  const fields = CONTENT_FIELDS[upload.content.kind];
  if (upload.slotSize !== undefined) content += fieldLength(fields.bytes, upload.slotSize);
  const data = dataFields + fieldLength(fields.inData, content);
  return { length: inputFields + fieldLength(DATA_FIELD, data), data, metadata, content };
}

/**
 * Writes an input's fields at `offset` in the order the generated encoding does, except
 * that the content message's bytes field comes last (its slot, left unwritten); returns
 * the offset after the slot, and where its metadata Struct begins.
 */
function writeUploadInput(buffer: Buffer, offset: number, upload: UploadInput, size: UploadInputSize): { end: number; metadataStart: number } {
  let at = offset;
  if (upload.id !== "") at = writeStringField(buffer, at, FIELD.inputId, upload.id);
  for (const id of upload.datasetIds) at = writeStringField(buffer, at, FIELD.datasetId, id);
  at = writeHeader(buffer, at, DATA_FIELD, size.data);
  for (const concept of upload.concepts) {
    at = writeHeader(buffer, at, FIELD.concept, conceptLength(concept));
    if (concept.id !== "") at = writeStringField(buffer, at, FIELD.conceptId, concept.id);
    if (concept.name !== "") at = writeStringField(buffer, at, FIELD.conceptName, concept.name);
    if (concept.value !== 0) at = buffer.writeFloatLE(concept.value, writeVarint(buffer, at, (FIELD.conceptValue << 3) | FIXED32));
  }
  const metadataStart = writeHeader(buffer, at, FIELD.metadata, size.metadata);
  at = writeStruct(buffer, metadataStart, upload.metadata);
  if (upload.geo) {
    const point = geoPointLength(upload.geo);
    at = writeHeader(buffer, writeHeader(buffer, at, FIELD.geo, fieldLength(FIELD.geoPoint, point)), FIELD.geoPoint, point);
    if (upload.geo.longitude !== 0) at = buffer.writeFloatLE(upload.geo.longitude, writeVarint(buffer, at, (FIELD.longitude << 3) | FIXED32));
    if (upload.geo.latitude !== 0) at = buffer.writeFloatLE(upload.geo.latitude, writeVarint(buffer, at, (FIELD.latitude << 3) | FIXED32));
  }
  if (upload.prompt !== undefined) {
    at = writeHeader(buffer, at, FIELD.prompt, upload.prompt !== "" ? stringFieldLength(upload.prompt) : 0);
    if (upload.prompt !== "") at = writeStringField(buffer, at, FIELD.textRaw, upload.prompt);
  }
  const { kind, raw, url, allowDuplicateUrl } = upload.content;
  const fields = CONTENT_FIELDS[kind];
  const urlFields = kind === "text" ? URL_FIELDS.text : URL_FIELDS.media;
  at = writeHeader(buffer, at, fields.inData, size.content);
  if (raw !== undefined && raw !== "") at = writeStringField(buffer, at, 1, raw);
  if (url !== undefined && url !== "") at = writeStringField(buffer, at, urlFields.url, url);
  if (allowDuplicateUrl === true) at = writeVarint(buffer, writeVarint(buffer, at, (urlFields.allowDuplicateUrl << 3) | VARINT), 1);
  if (upload.slotSize !== undefined) at = writeHeader(buffer, at, fields.bytes, upload.slotSize) + upload.slotSize;
  return { end: at, metadataStart };
}

function conceptLength(concept: UploadInput["concepts"][number]): number {
  return (concept.id !== "" ? stringFieldLength(concept.id) : 0) + (concept.name !== "" ? stringFieldLength(concept.name) : 0) + (concept.value !== 0 ? 5 : 0);
}

function geoPointLength(geo: NonNullable<UploadInput["geo"]>): number {
  return (geo.longitude !== 0 ? 5 : 0) + (geo.latitude !== 0 ? 5 : 0);
}

/**
 * The length of a google.protobuf.Struct of a JSON-like object, as the generated
 * `Struct.wrap` and `Struct.encode` write it (keys whose value is undefined are left out).
 */
function structLength(object: Readonly<Record<string, unknown>>): number {
  let length = 0;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value !== undefined) length += fieldLength(1, entryLength(key, valueLength(value)));
  }
  return length;
}

/** A Struct's entry: its key (field 1, left out when empty) and its Value (field 2) of `valueBytes`. */
function entryLength(key: string, valueBytes: number): number {
  return (key !== "" ? stringFieldLength(key) : 0) + fieldLength(2, valueBytes);
}

/** A google.protobuf.Value: null, number, string, bool, struct or list. */
function valueLength(value: unknown): number {
  if (value === null) return 2;
  switch (typeof value) {
    case "number":
      return 9;
    case "string":
      return stringFieldLength(value);
    case "boolean":
      return 2;
    case "undefined":
      return 0;
    case "object":
      if (Array.isArray(value)) return fieldLength(6, value.reduce((sum: number, item: unknown) => sum + fieldLength(1, valueLength(item)), 0));
      return fieldLength(5, structLength(value as Record<string, unknown>));
    default:
      throw new Error(`Unsupported any value type: ${typeof value}`);
  }
}

function writeStruct(buffer: Buffer, offset: number, object: Readonly<Record<string, unknown>>): number {
  let at = offset;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (value === undefined) continue;
    const valueBytes = valueLength(value);
    at = writeHeader(buffer, at, 1, entryLength(key, valueBytes));
    if (key !== "") at = writeStringField(buffer, at, 1, key);
    at = writeValue(buffer, writeHeader(buffer, at, 2, valueBytes), value);
  }
  return at;
}

function writeValue(buffer: Buffer, offset: number, value: unknown): number {
  if (value === null) return writeVarint(buffer, writeVarint(buffer, offset, (1 << 3) | VARINT), 0);
  switch (typeof value) {
    case "number":
      return buffer.writeDoubleLE(value, writeVarint(buffer, offset, (2 << 3) | FIXED64));
    case "string":
      return writeStringField(buffer, offset, 3, value);
    case "boolean":
      return writeVarint(buffer, writeVarint(buffer, offset, (4 << 3) | VARINT), value ? 1 : 0);
    case "undefined":
      return offset;
    case "object": {
      if (Array.isArray(value)) {
        const list = value.reduce((sum: number, item: unknown) => sum + fieldLength(1, valueLength(item)), 0);
        let at = writeHeader(buffer, offset, 6, list);
        for (const item of value) at = writeValue(buffer, writeHeader(buffer, at, 1, valueLength(item)), item);
        return at;
      }
      const struct = value as Record<string, unknown>;
      return writeStruct(buffer, writeHeader(buffer, offset, 5, structLength(struct)), struct);
    }
    default:
      throw new Error(`Unsupported any value type: ${typeof value}`);
  }
}

/** The encoded length of a string field: its tag, its UTF-8 length and its UTF-8 (every field written here has a number under 16, a one-byte tag). */
function stringFieldLength(text: string): number {
  const bytes = Buffer.byteLength(text, "utf8");
  return 1 + varintLength(bytes) + bytes;
}

function writeStringField(buffer: Buffer, offset: number, field: number, text: string): number {
  const bytes = Buffer.byteLength(text, "utf8");
  const at = writeHeader(buffer, offset, field, bytes);
  // Short ASCII (ids, file names, most keys) is copied here: cheaper than a call into the runtime.
  if (bytes === text.length && bytes <= SHORT_ASCII) {
    for (let i = 0; i < bytes; i++) buffer[at + i] = text.charCodeAt(i);
    return at + bytes;
  }
  return at + buffer.write(text, at, bytes, "utf8");
}

/** The longest ASCII string `writeStringField` copies a character at a time. */
const SHORT_ASCII = 64;

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
