/**
 * Test helpers for the local server: start one in a temp folder on an ephemeral
 * loopback port, talk to it with the generated V2Client over plaintext gRPC with
 * promisified calls, and make small valid (and broken) media in memory.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { deflateRawSync, deflateSync } from "node:zlib";
import { type ClientUnaryCall, credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import type { UserAppIDSet } from "../../src/gen/clarifai/api/resources.js";
import {
  CancelInputsAddJobRequest,
  CancelInputsExtractionJobsRequest,
  GetInputsExtractionJobRequest,
  ListInputsExtractionJobsRequest,
  type MultiInputsExtractionJobResponse,
  PostInputsDataSourcesRequest,
  PostInputsUploadsRequest,
  PutUploadContentPartsRequest,
  type SingleInputsExtractionJobResponse,
  type DeepPartial,
  DeleteInputsRequest,
  GetDatasetRequest,
  GetInputCountRequest,
  GetInputRequest,
  GetInputsAddJobRequest,
  GetUploadRequest,
  ListAnnotationsRequest,
  ListDatasetsRequest,
  ListInputsAddJobsRequest,
  ListInputsRequest,
  type MultiAnnotationResponse,
  type MultiDatasetInputResponse,
  type MultiDatasetResponse,
  type MultiInputResponse,
  type MultiInputsAddJobResponse,
  PostAnnotationsRequest,
  PostDatasetInputsRequest,
  PostDatasetsRequest,
  PostInputsRequest,
  type SingleDatasetResponse,
  type SingleInputCountResponse,
  type SingleInputResponse,
  type SingleInputsAddJobResponse,
  type SingleUploadResponse,
  V2Client,
} from "../../src/gen/clarifai/api/service.js";
import type { BaseResponse } from "../../src/gen/clarifai/api/status/status.js";
import { GRPC_MAX_MESSAGE_BYTES } from "../../src/validate/limits.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/server.js";

/** The user/app the helpers use unless a request names another. */
export const SCOPE: UserAppIDSet = { userId: "tester", appId: "test-app" };

/** The PAT the helpers send by default. */
export const TEST_PAT = "test-pat-0123456789";

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

interface PartialBuilder<Req> {
  fromPartial(object: DeepPartial<Req>): Req;
}

/** A promisified call; `userAppId` defaults to SCOPE when the request does not mention it. */
export type Rpc<Req, Res> = (request?: DeepPartial<Req>) => Promise<Res>;

export interface Api {
  postInputs: Rpc<PostInputsRequest, MultiInputResponse>;
  getInput: Rpc<GetInputRequest, SingleInputResponse>;
  listInputs: Rpc<ListInputsRequest, MultiInputResponse>;
  deleteInputs: Rpc<DeleteInputsRequest, BaseResponse>;
  getInputCount: Rpc<GetInputCountRequest, SingleInputCountResponse>;
  postAnnotations: Rpc<PostAnnotationsRequest, MultiAnnotationResponse>;
  listAnnotations: Rpc<ListAnnotationsRequest, MultiAnnotationResponse>;
  postDatasets: Rpc<PostDatasetsRequest, MultiDatasetResponse>;
  getDataset: Rpc<GetDatasetRequest, SingleDatasetResponse>;
  listDatasets: Rpc<ListDatasetsRequest, MultiDatasetResponse>;
  postDatasetInputs: Rpc<PostDatasetInputsRequest, MultiDatasetInputResponse>;
  getInputsAddJob: Rpc<GetInputsAddJobRequest, SingleInputsAddJobResponse>;
  listInputsAddJobs: Rpc<ListInputsAddJobsRequest, MultiInputsAddJobResponse>;
  cancelInputsAddJob: Rpc<CancelInputsAddJobRequest, SingleInputsAddJobResponse>;
  getUpload: Rpc<GetUploadRequest, SingleUploadResponse>;
  postInputsDataSources: Rpc<PostInputsDataSourcesRequest, MultiInputsAddJobResponse>;
  getInputsExtractionJob: Rpc<GetInputsExtractionJobRequest, SingleInputsExtractionJobResponse>;
  listInputsExtractionJobs: Rpc<ListInputsExtractionJobsRequest, MultiInputsExtractionJobResponse>;
  cancelInputsExtractionJobs: Rpc<CancelInputsExtractionJobsRequest, MultiInputsExtractionJobResponse>;
  postInputsUploads: Rpc<PostInputsUploadsRequest, MultiInputsAddJobResponse>;
  putUploadContentParts: Rpc<PutUploadContentPartsRequest, SingleUploadResponse>;
  close(): void;
}

export interface ApiOptions {
  /** The PAT to send; null sends no authorization metadata. Default TEST_PAT. */
  pat?: string | null;
  /** Raw authorization header value (overrides pat). */
  authorization?: string;
  /** Per-call deadline in ms (default 10000). */
  deadlineMs?: number;
}

/** A V2Client on a plaintext channel to `address` with promisified calls. */
export function connectApi(address: string, options: ApiOptions = {}): Api {
  const client = new V2Client(address, credentials.createInsecure(), {
    "grpc.max_receive_message_length": GRPC_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": GRPC_MAX_MESSAGE_BYTES,
  });
  const metadata = new Metadata();
  const pat = options.pat === undefined ? TEST_PAT : options.pat;
  if (options.authorization !== undefined) metadata.set("authorization", options.authorization);
  else if (pat !== null) metadata.set("authorization", `Key ${pat}`);
  const deadlineMs = options.deadlineMs ?? 10_000;

  function rpc<Req, Res>(builder: PartialBuilder<Req>, method: Unary<Req, Res>): Rpc<Req, Res> {
    return (partial = {} as DeepPartial<Req>) => {
      const given = partial as object;
      const withScope = "userAppId" in given ? given : { ...given, userAppId: SCOPE };
      const request = builder.fromPartial(withScope as DeepPartial<Req>);
      return new Promise<Res>((resolve, reject) => {
        const call = method.bind(client) as unknown as (
          request: Req,
          metadata: Metadata,
          options: { deadline: Date },
          callback: (error: ServiceError | null, response: Res) => void,
        ) => ClientUnaryCall;
        call(request, metadata, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => {
          if (error !== null) reject(error);
          else resolve(response);
        });
      });
    };
  }

  return {
    postInputs: rpc(PostInputsRequest, client.postInputs),
    getInput: rpc(GetInputRequest, client.getInput),
    listInputs: rpc(ListInputsRequest, client.listInputs),
    deleteInputs: rpc(DeleteInputsRequest, client.deleteInputs),
    getInputCount: rpc(GetInputCountRequest, client.getInputCount),
    postAnnotations: rpc(PostAnnotationsRequest, client.postAnnotations),
    listAnnotations: rpc(ListAnnotationsRequest, client.listAnnotations),
    postDatasets: rpc(PostDatasetsRequest, client.postDatasets),
    getDataset: rpc(GetDatasetRequest, client.getDataset),
    listDatasets: rpc(ListDatasetsRequest, client.listDatasets),
    postDatasetInputs: rpc(PostDatasetInputsRequest, client.postDatasetInputs),
    getInputsAddJob: rpc(GetInputsAddJobRequest, client.getInputsAddJob),
    listInputsAddJobs: rpc(ListInputsAddJobsRequest, client.listInputsAddJobs),
    cancelInputsAddJob: rpc(CancelInputsAddJobRequest, client.cancelInputsAddJob),
    getUpload: rpc(GetUploadRequest, client.getUpload),
    postInputsDataSources: rpc(PostInputsDataSourcesRequest, client.postInputsDataSources),
    getInputsExtractionJob: rpc(GetInputsExtractionJobRequest, client.getInputsExtractionJob),
    listInputsExtractionJobs: rpc(ListInputsExtractionJobsRequest, client.listInputsExtractionJobs),
    cancelInputsExtractionJobs: rpc(CancelInputsExtractionJobsRequest, client.cancelInputsExtractionJobs),
    postInputsUploads: rpc(PostInputsUploadsRequest, client.postInputsUploads),
    putUploadContentParts: rpc(PutUploadContentPartsRequest, client.putUploadContentParts),
    close: () => client.close(),
  };
}

export interface TestServer {
  server: RunningServer;
  /** "127.0.0.1:PORT" */
  address: string;
  dataDir: string;
  /** A client sending TEST_PAT. */
  api: Api;
  /** Log lines the server wrote. */
  logs: string[];
  /** Stops the server and starts it again on the same data folder (new port). */
  restart(overrides?: Partial<ServerOptions>): Promise<void>;
  /** Stops the server, closes the client, removes the data folder. */
  stop(): Promise<void>;
}

/** Starts a server in a fresh temp folder on 127.0.0.1, ephemeral port. */
export async function startTestServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "clarifai-serve-test-")));
  const logs: string[] = [];
  const launch = (extra: Partial<ServerOptions> = {}): Promise<RunningServer> =>
    startServer({ host: "127.0.0.1", port: 0, ...options, ...extra, dataDir, log: (line) => logs.push(line) });
  let server = await launch();
  const state: TestServer = {
    server,
    address: server.address,
    dataDir,
    api: connectApi(server.address),
    logs,
    async restart(overrides = {}) {
      state.api.close();
      await server.close();
      server = await launch(overrides);
      state.server = server;
      state.address = server.address;
      state.api = connectApi(server.address);
    },
    async stop() {
      state.api.close();
      await server.close();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return state;
}

/** Polls `probe` until `done` holds (or throws after timeoutMs). */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ---------------------------------------------------------------- media ----

/** An 8x8 baseline JPEG (298 bytes). */
export const TINY_JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAoHBwgHBgoICAgLCgoLDhgQDg0NDh0VFhEYIx8lJCIfIiEmKzcvJik0KSEiMEExNDk7Pj4+JS5ESUM8SDc9Pjv/" +
    "2wBDAQoLCw4NDhwQEBw7KCIoOzs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozs7Ozv/wAARCAAIAAgDASIAAhEBAxEB/8QA" +
    "FQABAQAAAAAAAAAAAAAAAAAAAAL/xAAWEAEBAQAAAAAAAAAAAAAAAAAAFWL/xAAUAQEAAAAAAAAAAAAAAAAAAAAF/8QAGBEAAwEBAAAAAAAAAAAAAAAAAAQV" +
    "UVL/2gAMAwEAAhEDEQA/AKhZAAWXOhaevh//2Q==",
  "base64",
);

/** An 8x8 GIF. */
export const TINY_GIF = Buffer.from(
  "R0lGODlhCAAIAPIAAIJ7e9WXN/CgILmOTp6FZWdykktpqTBgwCH5BAAAAAAALAAAAAAIAAgAAAMWeLpq/q7IKYG9luith/9eII6iYJ5mAgA7",
  "base64",
);

/** The JPEG cut short: it sniffs and its header reads, but it has no end. */
export function truncatedJpeg(): Buffer {
  return TINY_JPEG.subarray(0, TINY_JPEG.length - 40);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "ascii");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A valid RGB PNG of width x height (a gradient seeded by `seed`, so different
 * seeds give different bytes). `declared` makes the header claim other
 * dimensions (for the megapixel rule) while the pixel data stays small.
 */
export function makePng(
  width = 4,
  height = 4,
  seed = 0,
  declared?: { width: number; height: number },
): Buffer {
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 40 + seed) & 0xff;
      row[2 + x * 3] = (y * 40 + seed * 7) & 0xff;
      row[3 + x * 3] = (seed * 13) & 0xff;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(declared?.width ?? width, 0);
  ihdr.writeUInt32BE(declared?.height ?? height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(Buffer.concat(rows))),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A PNG padded (with an ancillary chunk) to exactly `size` bytes. */
export function pngOfSize(size: number): Buffer {
  const base = makePng(2, 2);
  const pad = size - base.length - 12;
  if (pad < 0) throw new Error(`a PNG cannot be ${size} bytes`);
  const iend = base.subarray(base.length - 12);
  const head = base.subarray(0, base.length - 12);
  const filler = Buffer.alloc(8 + pad + 4);
  filler.writeUInt32BE(pad, 0);
  filler.write("zzPd", 4, "ascii");
  return Buffer.concat([head, filler, iend]);
}

/** A valid 16-bit mono PCM WAV of `samples` samples. */
export function makeWav(samples = 800, sampleRate = 8000): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin(i / 5) * 8000), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** An MP3 frame header followed by zeros: a real audio format the platform refuses. */
export function makeMp3(): Buffer {
  const bytes = Buffer.alloc(2048);
  Buffer.from("ID3\x03\x00\x00\x00\x00\x00\x00", "latin1").copy(bytes, 0);
  bytes.set([0xff, 0xfb, 0x90, 0x64], 10);
  return bytes;
}

/** A minimal MP4: ftyp, an empty moov and an mdat. */
export function makeMp4(): Buffer {
  const box = (type: string, payload: Buffer): Buffer => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + payload.length, 0);
    head.write(type, 4, "ascii");
    return Buffer.concat([head, payload]);
  };
  const ftyp = box("ftyp", Buffer.from("isom\x00\x00\x02\x00isomiso2mp41", "latin1"));
  return Buffer.concat([ftyp, box("moov", Buffer.alloc(16)), box("mdat", Buffer.alloc(64, 1))]);
}

/** A PDF: a real format that is no kind of input. */
export const PDF = Buffer.from("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n", "latin1");

/** A file to put in an archive made by makeZip. */
export interface ZipEntrySpec {
  name: string;
  data: Buffer;
  /** Deflate the entry (default: stored). */
  deflate?: boolean;
}

/** A ZIP archive of the entries (a name ending in "/" is a folder entry), UTF-8 names. */
export function makeZip(entries: readonly ZipEntrySpec[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, "utf8");
    const method = entry.deflate === true ? 8 : 0;
    const stored = method === 8 ? deflateRawSync(entry.data) : entry.data;
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(stored.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, stored);
    centrals.push(central, name);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** Writes files (relative path -> bytes or text) under root, creating folders. */
export async function writeFiles(root: string, files: Readonly<Record<string, Buffer | string>>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const target = join(root, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
}
