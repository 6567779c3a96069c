import type { ManifestReason } from "./sources/manifest-fields.js";
import type { ZipRejectReason } from "./sources/zip.js";
import type { RejectReason } from "./validate/validate.js";

/** Why an input was not sent, or did not get in, as the tool itself decides. */
export type ReasonCode =
  | RejectReason
  | ManifestReason
  | ZipRejectReason
  | "bad_sidecar"
  | "source_gone"
  | "transform_error"
  | "transform_skipped"
  | "id_conflict"
  | "changed_since_acknowledged"
  | "unchanged_since_last_run"
  | "regions_to_post"
  | "duplicate_url"
  | "processing_failed"
  | "retries_exhausted"
  | "unreachable"
  | "request_failed"
  | "delete_pending";

/**
 * A reason the platform gave for one input: its per-input status name in lower case
 * (`input_invalid_argument`, `input_unsupported_format`, ...).
 */
export type PlatformReason = `input_${string}` | `conn_${string}` | `${string}_failure` | "failure";

/** Every reason an input event, a job log record or a `--failed-out` row may carry. */
export type Reason = ReasonCode | PlatformReason;

/** Every reason code of the tool's own, with what it means; the README's reason table lists each. */
export const REASON_CODES: Readonly<Record<ReasonCode, string>> = {
  empty: "zero bytes, or a text of nothing but whitespace",
  unreadable: "the bytes could not be read (or the folder listed, or the link followed), or an image header is corrupt",
  unsupported_format: "not a format the platform accepts",
  too_large: "over its kind's byte limit, or a request it cannot fit in",
  too_many_pixels: "an image over 85 megapixels",
  not_utf8: "a text that is not UTF-8",
  invalid_url: "not an http(s) URL the platform can fetch",
  unknown_type: "a manifest row's type is none of image, video, audio, text",
  bad_metadata: "a manifest row's metadata is not a JSON object",
  bad_geo: "a manifest row's geo point is out of range or not numbers",
  bad_concept: "a concept that is not a valid concept id or value",
  bad_id: "an input id the platform does not accept",
  duplicate_id: "an input id that an earlier row already has",
  missing_file: "a manifest row names a file that does not exist (every path tried is named)",
  ambiguous_file: "a manifest row's relative path names two different files (from the working directory and from the manifest's folder)",
  no_content: "a manifest row with no file, URL or text",
  ambiguous_content: "a manifest row with more than one of file, URL and text",
  bad_row: "a manifest row with the wrong number of fields",
  bad_csv: "the manifest is not valid CSV from here on",
  corrupt_archive: "not a readable ZIP archive",
  unsafe_name: "an archive entry whose name escapes the archive (absolute, ..)",
  duplicate_entry: "an archive entry whose name an earlier entry has",
  nested_archive: "an archive inside the archive",
  encrypted: "an encrypted archive entry",
  unsupported_compression: "an archive entry compressed with a method other than stored or deflate",
  zip_bomb: "an archive entry that inflates far beyond its compressed size",
  entry_size_mismatch: "an archive entry whose size differs from what its header says",
  corrupt_entry: "an archive entry whose data cannot be read (bad deflate stream or CRC)",
  bad_sidecar: "a sidecar JSON file that cannot be read",
  source_gone: "status --retry: the file, entry or row is no longer in the job's source",
  transform_error: "the --transform function threw",
  transform_skipped: "the --transform function returned null",
  id_conflict: "the id is taken on the server by other content",
  changed_since_acknowledged: "dry run: the file changed since the job log acknowledged it",
  unchanged_since_last_run: "acknowledged by an earlier run with the same fingerprint",
  regions_to_post: "dry run: on the server, with regions not stored yet or changed since (a real run posts them)",
  duplicate_url: "the app already holds this URL under another id",
  processing_failed: "the platform could not process it",
  retries_exhausted: "it failed transiently --max-retries times",
  unreachable: "the API could not be reached after every retry",
  request_failed: "the platform refused the whole request",
  delete_pending: "the server still showed the input it had just been asked to delete; the next run sends it again",
};
