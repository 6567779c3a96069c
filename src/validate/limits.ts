/**
 * The platform's published upload limits (spec: "Upload Limits"), as one table.
 * Both the client's validator and the local server read them from here.
 * "MB" in the platform's documentation is taken as MiB (1024 * 1024 bytes).
 */
export const MiB = 1024 * 1024;

export type InputKind = "image" | "video" | "audio" | "text";

export interface KindLimits {
  /** Formats the platform accepts for this kind (lower-case short names). */
  formats: readonly string[];
  /** A file must be strictly smaller than this many bytes. */
  maxBytesExclusive: number;
}

export const KIND_LIMITS: Readonly<Record<InputKind, KindLimits>> = {
  image: { formats: ["jpeg", "png", "tiff", "bmp", "webp", "gif"], maxBytesExclusive: 20 * MiB },
  video: { formats: ["avi", "mp4", "wmv", "mov", "3gp"], maxBytesExclusive: 128 * MiB },
  audio: { formats: ["wav"], maxBytesExclusive: 20 * MiB },
  text: { formats: ["plain", "csv", "tsv"], maxBytesExclusive: 20 * MiB },
};

/** An image may have at most this many pixels (85 megapixels). */
export const MAX_IMAGE_PIXELS = 85_000_000;

/** At most this many inputs in one PostInputs request. */
export const MAX_INPUTS_PER_REQUEST = 128;

/** A PostInputs request must be strictly smaller than this many bytes. */
export const MAX_REQUEST_BYTES_EXCLUSIVE = 128 * MiB;

/** At most this many videos in one PostInputs request. */
export const MAX_VIDEOS_PER_REQUEST = 1;

/** The platform's default rate limit, in requests per second. */
export const DEFAULT_RATE_LIMIT_RPS = 15;

/**
 * The gRPC message size both sides allow: a full request plus protobuf framing
 * overhead must fit.
 */
export const GRPC_MAX_MESSAGE_BYTES = 160 * MiB;

/** Input ids: 1 to 48 characters from [A-Za-z0-9_-] (longer ones are refused). */
export const MAX_INPUT_ID_LENGTH = 48;
