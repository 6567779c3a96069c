import { createRequire } from "node:module";
import { MiB } from "../validate/limits.js";

/** gRPC's frame header before each message: a compressed flag, then the length (big-endian uint32). */
export const FRAME_HEADER_BYTES = 5;

/**
 * Requests of at least this size are framed where they lie. Smaller ones are copied as
 * grpc-js copies every message: the copy costs little, and memory is not the limit there.
 */
export const IN_PLACE_MIN_BYTES = MiB;

/** Requests laid out after room for their frame header, in memory their sender owns until the call is over. */
const inPlace = new WeakSet<Buffer>();

/**
 * The room for a request in `memory`: all of it but the first FRAME_HEADER_BYTES, which
 * are left for its frame header. A large request laid out there is sent without a copy
 * (see frameLargeRequestsInPlace); the caller must not change `memory` until its call is
 * over, retries included.
 */
export function afterFrameHeader(memory: Buffer): Buffer {
  const request = memory.subarray(FRAME_HEADER_BYTES);
  if (request.length >= IN_PLACE_MIN_BYTES) inPlace.add(request);
  return request;
}

type WriteMessage = (this: unknown, message: Buffer, compress: boolean) => Promise<Buffer>;

let framing: Promise<boolean> | undefined;

/**
 * grpc-js frames every message it sends by copying it into a new buffer five bytes
 * longer (its IdentityHandler's `writeMessage`, when nothing is compressed), so each
 * byte of a request is held twice while it is sent: for a video near its 128 MiB limit,
 * 128 MiB more. This makes grpc-js frame a request from `afterFrameHeader` in the room
 * left before it instead, and leaves every other message to grpc-js, as it leaves a
 * channel that compresses (whose handler is another).
 *
 * Only that step changes: the call, its channel, TLS, root certificates, proxies,
 * deadlines and retries are grpc-js's as before, which sending requests on HTTP/2
 * streams of our own would not keep. It takes effect once grpc-js's own framing was
 * seen to write the same bytes; if grpc-js's internals are not as expected (another
 * version), nothing is changed and requests are copied as before (a test then fails).
 * Resolves to whether it took effect.
 */
export function frameLargeRequestsInPlace(): Promise<boolean> {
  framing ??= install().catch(() => false);
  return framing;
}

async function install(): Promise<boolean> {
  const handler = identityHandlerPrototype();
  if (!handler) return false;
  const original = handler.writeMessage;
  // grpc-js's frame of three bytes must be exactly the one written in place.
  const probe = await original.call(Object.create(handler), Buffer.from([1, 2, 3]), false);
  if (!Buffer.isBuffer(probe) || !probe.equals(Buffer.from([0, 0, 0, 0, 3, 1, 2, 3]))) return false;
  handler.writeMessage = function writeMessage(message, compress) {
    return inPlace.has(message) ? Promise.resolve(framedInPlace(message)) : original.call(this, message, compress);
  };
  return true;
}

/** The request with its frame header written in the room before it: the same memory. */
function framedInPlace(request: Buffer): Buffer {
  const framed = Buffer.from(request.buffer, request.byteOffset - FRAME_HEADER_BYTES, request.length + FRAME_HEADER_BYTES);
  framed[0] = 0;
  framed.writeUInt32BE(request.length, 1);
  return framed;
}

/** The prototype of grpc-js's handler for uncompressed messages, if it is where this grpc-js version has it. */
function identityHandlerPrototype(): { writeMessage: WriteMessage } | undefined {
  // The module grpc-js itself loads (it has no "exports" map to hide it).
  const { CompressionFilter } = createRequire(import.meta.url)("@grpc/grpc-js/build/src/compression-filter.js") as { CompressionFilter?: unknown };
  if (typeof CompressionFilter !== "function") return undefined;
  const filter = new (CompressionFilter as new (options: object, shared: object) => { sendCompression?: unknown })({}, {});
  const handler: unknown = filter.sendCompression === undefined || filter.sendCompression === null ? undefined : Object.getPrototypeOf(filter.sendCompression);
  if (typeof handler !== "object" || handler === null || handler.constructor.name !== "IdentityHandler") return undefined;
  if (!Object.hasOwn(handler, "writeMessage") || typeof (handler as { writeMessage?: unknown }).writeMessage !== "function") return undefined;
  return handler as { writeMessage: WriteMessage };
}
