/**
 * Checks one candidate against the platform's upload limits before anything is
 * sent: its format from magic bytes, its size, an image's pixel count from its
 * header, a text's encoding. Reads only small heads of files (text files, which
 * must be UTF-8 throughout, are the one exception) and never decodes an image.
 * Never throws for bad input: every problem is a `Rejected` with a stable reason
 * code and a message naming the file and the limit.
 */
import { extname } from "node:path";
import type { ByteSource, Candidate } from "../sources/candidate.js";
import { ZipEntryError, type EntryProblem } from "../sources/zip-entry-bytes.js";
import { imageDimensions } from "./image-dimensions.js";
import { KIND_LIMITS, MAX_IMAGE_PIXELS, MiB, type InputKind } from "./limits.js";
import {
  SNIFF_HEAD_BYTES,
  findTextProblem,
  findTextProblemInChunks,
  isSupported,
  kindOfMime,
  sniff,
  sniffExtension,
  sniffNow,
  type Sniffed,
} from "./sniff.js";

export type RejectReason =
  /** Zero bytes (or, for text content, nothing but whitespace). */
  | "empty"
  /** The bytes could not be read (permissions, a vanished file, a broken archive entry) or an image header is corrupt. */
  | "unreadable"
  /** Not a format the platform accepts, or (for a URL) no way to tell its type. */
  | "unsupported_format"
  /** At or over the byte limit of its kind. */
  | "too_large"
  /** An image over 85 megapixels. */
  | "too_many_pixels"
  /** A text input that is not UTF-8. */
  | "not_utf8"
  /** Not a URL, or not one the platform can fetch (only http and https). */
  | "invalid_url"
  /** An archive entry found, once read, not to be what its header says (size or CRC). */
  | EntryProblem;

/** Every reason code, for documentation, reports and exhaustive tests. */
export const REJECT_REASONS: readonly RejectReason[] = [
  "empty",
  "unreadable",
  "unsupported_format",
  "too_large",
  "too_many_pixels",
  "not_utf8",
  "invalid_url",
  "entry_size_mismatch",
  "corrupt_entry",
];

export interface Accepted {
  readonly status: "accepted";
  readonly candidate: Candidate;
  readonly kind: InputKind;
  /** One of `KIND_LIMITS[kind].formats`; "unknown" for a URL whose type was declared but whose format cannot be told. */
  readonly format: string;
  /** Bytes to send: the file's size; a text's UTF-8 length; 0 for a URL. */
  readonly size: number;
  /** Images read from bytes only. */
  readonly width?: number;
  readonly height?: number;
  /** Things worth telling the user that do not stop the upload (e.g. an extension that disagrees with the content). */
  readonly warnings: readonly string[];
}

export interface Rejected {
  readonly status: "rejected";
  readonly candidate: Candidate;
  readonly reason: RejectReason;
  /** Names the file (`candidate.source`) and the limit or the problem. */
  readonly message: string;
}

export type Validated = Accepted | Rejected;

/** How far into a file (other than a TIFF) the header may be read to find an image's dimensions. */
export const MAX_HEADER_BYTES = MiB;

/** Validates one candidate. Resolves to `Accepted` or `Rejected`; rejects only on a bug. */
export async function validate(candidate: Candidate): Promise<Accepted | Rejected> {
  const { content } = candidate;
  switch (content.kind) {
    case "bytes":
      return validateBytes(candidate, content.bytes, content.declaredKind);
    case "url":
      return validateUrl(candidate, content.url, content.declaredKind);
    case "text":
      return validateText(candidate, content.text);
  }
}

// ---------------------------------------------------------------------------
// Files and archive entries

/** Bytes that could not be read, and why: an archive entry that is not what its header says has a reason of its own. */
class ReadFailure {
  constructor(
    readonly message: string,
    readonly reason: "unreadable" | EntryProblem,
  ) {}
}

async function attempt<T>(read: () => Promise<T>): Promise<T | ReadFailure> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ZipEntryError) return new ReadFailure(error.message, error.code);
    return new ReadFailure(error instanceof Error ? error.message : String(error), "unreadable");
  }
}

async function validateBytes(
  candidate: Candidate,
  bytes: ByteSource,
  declaredKind: InputKind | undefined,
): Promise<Accepted | Rejected> {
  // The head is read first: a file found by a walk learns its size from that read.
  const head = await attempt(() => bytes.head(SNIFF_HEAD_BYTES));
  if (head instanceof ReadFailure) return unreadable(candidate, head);
  const size = bytes.size;
  if (head.length === 0 || size === 0) return emptyFile(candidate);
  const complete = isComplete(head, size);
  const name = nameOf(candidate);
  const sniffed = await sniff(head, name, { complete, expectText: declaredKind === "text" });
  const judged = judgeFormat(candidate, head, size, complete, sniffed, declaredKind);
  if ("status" in judged) return judged;
  const { kind, format } = judged;

  if (kind === "image") {
    const dims = await readDimensions(bytes, head, complete, format, size);
    if (dims instanceof ReadFailure) return unreadable(candidate, dims);
    if ("problem" in dims) return unreadableHeader(candidate, kind, format, dims.problem);
    return judgePixels(candidate, judged, size, dims);
  }

  if (kind === "text" && !complete) {
    const problem = await attempt(() => findTextProblemInChunks(bytes.chunks()));
    if (problem instanceof ReadFailure) return unreadable(candidate, problem);
    if (problem !== undefined) return notUtf8(candidate, problem);
  }
  return { status: "accepted", candidate, kind, format, size, warnings: judged.warnings };
}

/**
 * `validate`, for a file whose verdict its head alone decides, without waiting: a small
 * file read whole, a PNG or JPEG with its dimensions in the head. Undefined for anything
 * else (an archive entry, a format file-type must name, a file that cannot be read), which
 * `validate` then decides. Never a different verdict from `validate`'s.
 */
export function validateNow(candidate: Candidate): Accepted | Rejected | undefined {
  const { content } = candidate;
  if (content.kind !== "bytes" || content.bytes.headNow === undefined) return undefined;
  const { bytes, declaredKind } = content;
  let head: Buffer | undefined;
  try {
    head = bytes.headNow?.(SNIFF_HEAD_BYTES);
  } catch {
    return undefined; // `validate` reads it again, and says why it cannot
  }
  if (head === undefined) return undefined;
  const size = bytes.size;
  if (head.length === 0 || size === 0) return emptyFile(candidate);
  const complete = isComplete(head, size);
  const sniffed = sniffNow(head, nameOf(candidate), { complete, expectText: declaredKind === "text" });
  if (sniffed === undefined) return undefined;
  const judged = judgeFormat(candidate, head, size, complete, sniffed, declaredKind);
  if ("status" in judged) return judged;
  const { kind, format } = judged;
  if (kind === "image") {
    const dims = imageDimensions(format, head, complete);
    return dims.status === "ok" ? judgePixels(candidate, judged, size, dims) : undefined;
  }
  if (kind === "text" && !complete) return undefined;
  return { status: "accepted", candidate, kind, format, size, warnings: judged.warnings };
}

/** Whether a head holds the whole file. */
function isComplete(head: Buffer, size: number): boolean {
  return head.length < SNIFF_HEAD_BYTES || head.length >= size;
}

function emptyFile(candidate: Candidate): Rejected {
  return reject(candidate, "empty", `${candidate.source}: the file is empty (0 bytes)`);
}

/** A format the platform accepts, of a size it accepts: its kind and format, with what is worth telling. */
interface Judged {
  kind: InputKind;
  format: string;
  warnings: string[];
}

/** What a file's sniffed format and size decide: a rejection, or its kind and format. */
function judgeFormat(candidate: Candidate, head: Buffer, size: number, complete: boolean, sniffed: Sniffed, declaredKind: InputKind | undefined): Judged | Rejected {
  const { kind, format } = sniffed;
  if (kind === undefined) return rejectFormat(candidate, sniffed, head, complete, declaredKind);
  const tooBig = checkSize(candidate, kind, size, "");
  if (tooBig !== undefined) return tooBig;
  return { kind, format, warnings: contentWarnings(candidate.source, nameOf(candidate), sniffed, kind, declaredKind) };
}

/** An image's verdict, once its dimensions are known. */
function judgePixels(candidate: Candidate, { kind, format, warnings }: Judged, size: number, dims: Dimensions): Accepted | Rejected {
  const pixels = dims.width * dims.height;
  if (pixels > MAX_IMAGE_PIXELS) {
    return reject(
      candidate,
      "too_many_pixels",
      `${candidate.source}: image is ${dims.width} x ${dims.height} = ${groupDigits(pixels)} pixels (${(pixels / 1e6).toFixed(1)} megapixels); ` +
        `the platform accepts at most ${groupDigits(MAX_IMAGE_PIXELS)} pixels (${MAX_IMAGE_PIXELS / 1e6} megapixels)`,
    );
  }
  return { status: "accepted", candidate, kind, format, size, width: dims.width, height: dims.height, warnings };
}

function unreadableHeader(candidate: Candidate, kind: InputKind, format: string, problem: string): Rejected {
  return reject(candidate, "unreadable", `${candidate.source}: cannot read the ${formatLabel(kind, format)} header: ${problem}`);
}

/** The name whose extension counts: the path relative to the source root, else the source. */
function nameOf(candidate: Candidate): string {
  return candidate.relPath !== "" ? candidate.relPath : candidate.source;
}

interface Dimensions {
  readonly width: number;
  readonly height: number;
}

/**
 * Reads the image header from ever longer heads until the dimensions are found:
 * up to `MAX_HEADER_BYTES` (a JPEG's frame header behind large EXIF, ICC or XMP
 * segments), or up to the whole file for a TIFF, whose first directory may be at
 * its end.
 */
async function readDimensions(
  bytes: ByteSource,
  head: Buffer,
  complete: boolean,
  format: string,
  size: number,
): Promise<Dimensions | { readonly problem: string } | ReadFailure> {
  const cap = format === "tiff" ? size : Math.min(size, MAX_HEADER_BYTES);
  let buf = head;
  let whole = complete;
  for (;;) {
    const result = imageDimensions(format, buf, whole);
    if (result.status === "ok") return result;
    if (result.status === "invalid") return { problem: result.problem };
    if (result.bytes > cap) {
      return {
        problem:
          cap >= size
            ? `the file ends after ${size} bytes, inside its header`
            : `no dimensions in the first ${formatBytes(cap)} (the header would go on to byte ${result.bytes})`,
      };
    }
    const want = Math.min(cap, Math.max(result.bytes + 8192, buf.length * 4));
    const next = await attempt(() => bytes.head(want));
    if (next instanceof ReadFailure) return next;
    if (next.length <= buf.length) return { problem: `the file ends after ${next.length} bytes, inside its header` };
    buf = next;
    whole = buf.length < want || buf.length >= size;
  }
}

function rejectFormat(
  candidate: Candidate,
  sniffed: Sniffed,
  head: Buffer,
  complete: boolean,
  declaredKind: InputKind | undefined,
): Rejected {
  const src = candidate.source;
  const ext = extname(nameOf(candidate)).toLowerCase();
  const wantsText = declaredKind === "text" || (sniffed.extensionKind === "text" && isSupported("text", sniffed.extensionFormat ?? ""));
  if (sniffed.format === "utf-16") {
    return notUtf8(candidate, "it starts with a UTF-16 byte order mark, so it is UTF-16 text");
  }
  if (wantsText && sniffed.format === "binary") {
    return notUtf8(candidate, findTextProblem(head, complete) ?? "it is binary data");
  }
  if (sniffed.format === "text") {
    const named =
      sniffed.extensionFormat !== undefined
        ? `the content is text, but the extension ${ext} says ${formatLabel(sniffed.extensionKind, sniffed.extensionFormat)}`
        : ext === ""
          ? "the content is text, but the file has no extension"
          : `the content is text, but ${ext} is not a text input's extension`;
    return reject(candidate, "unsupported_format", `${src}: ${named}; text inputs are UTF-8 .txt, .csv or .tsv files`);
  }
  if (sniffed.format === "binary") {
    return reject(candidate, "unsupported_format", `${src}: unrecognised file format; the platform accepts ${ACCEPTED_FORMATS}`);
  }
  const family = kindOfMime(sniffed.mime);
  const accepted = family === undefined ? ACCEPTED_FORMATS : acceptedFormatsOf(family);
  return reject(
    candidate,
    "unsupported_format",
    `${src}: ${formatLabel(family, sniffed.format)} is not a format the platform accepts; it accepts ${accepted}`,
  );
}

function notUtf8(candidate: Candidate, problem: string): Rejected {
  return reject(candidate, "not_utf8", `${candidate.source}: not UTF-8 text (${problem}); the platform accepts text in UTF-8 only`);
}

function unreadable(candidate: Candidate, failure: ReadFailure): Rejected {
  if (failure.reason !== "unreadable") return reject(candidate, failure.reason, `${candidate.source}: ${failure.message}`);
  return reject(candidate, "unreadable", `${candidate.source}: cannot read the file: ${failure.message}`);
}

/** Warnings for an extension or a declared type that disagrees with the content. */
function contentWarnings(
  src: string,
  name: string,
  sniffed: Sniffed,
  kind: InputKind,
  declaredKind: InputKind | undefined,
): string[] {
  const warnings: string[] = [];
  const actual = formatLabel(kind, sniffed.format);
  const { extensionFormat, extensionKind } = sniffed;
  if (extensionFormat !== undefined && !sameFormat(extensionFormat, sniffed.format)) {
    const ext = extname(name).toLowerCase();
    warnings.push(
      `${src}: the extension ${ext} says ${formatLabel(extensionKind, extensionFormat)} but the content is ${actual}; ` +
        `uploading it as ${actual}`,
    );
  }
  if (declaredKind !== undefined && declaredKind !== kind) {
    warnings.push(`${src}: declared ${declaredKind} but the content is ${actual}; uploading it as ${kind}`);
  }
  return warnings;
}

/** ISO base media files (MP4, MOV, 3GPP) are one family: players and the platform read them alike, so no warning. */
const ISO_MEDIA = new Set(["mp4", "mov", "3gp"]);

function sameFormat(a: string, b: string): boolean {
  return a === b || (ISO_MEDIA.has(a) && ISO_MEDIA.has(b));
}

// ---------------------------------------------------------------------------
// URLs: nothing is fetched here; the type comes from the declaration or the path's extension.

function validateUrl(candidate: Candidate, url: string, declaredKind: InputKind | undefined): Accepted | Rejected {
  const src = candidate.source;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return reject(candidate, "invalid_url", `${src}: not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    const hint = parsed.protocol === "s3:" || parsed.protocol === "gs:" ? " (use a presigned https URL)" : "";
    return reject(
      candidate,
      "invalid_url",
      `${src}: the platform fetches only http and https URLs, not ${parsed.protocol.slice(0, -1)}${hint}`,
    );
  }
  if (parsed.hostname === "") return reject(candidate, "invalid_url", `${src}: the URL has no host`);

  const ext = sniffExtension(safeDecode(parsed.pathname));
  const extSupported = ext.kind !== undefined && ext.format !== undefined && isSupported(ext.kind, ext.format);
  const extLabel = formatLabel(ext.kind, ext.format ?? ext.extension);
  if (ext.kind !== undefined && !extSupported && (declaredKind === undefined || declaredKind === ext.kind)) {
    return reject(
      candidate,
      "unsupported_format",
      `${src}: ${extLabel} (from the URL's .${ext.extension} extension) is not a format the platform accepts; it accepts ${acceptedFormatsOf(ext.kind)}`,
    );
  }
  if (declaredKind !== undefined) {
    const format = ext.kind === declaredKind && ext.format !== undefined ? ext.format : "unknown";
    const warnings =
      ext.kind !== undefined && ext.kind !== declaredKind
        ? [`${src}: declared ${declaredKind} but the URL's .${ext.extension} extension says ${extLabel}; uploading it as ${declaredKind}`]
        : [];
    return { status: "accepted", candidate, kind: declaredKind, format, size: 0, warnings };
  }
  if (extSupported && ext.kind !== undefined && ext.format !== undefined) {
    return { status: "accepted", candidate, kind: ext.kind, format: ext.format, size: 0, warnings: [] };
  }
  const why = ext.extension === "" ? "its path has no file extension" : `.${ext.extension} is not an extension of a format the platform accepts`;
  return reject(
    candidate,
    "unsupported_format",
    `${src}: cannot tell the input type from the URL (${why}); declare its type (image, video, audio or text)`,
  );
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// ---------------------------------------------------------------------------
// Inline text

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function validateText(candidate: Candidate, text: string): Accepted | Rejected {
  const src = candidate.source;
  if (text.length === 0) return reject(candidate, "empty", `${src}: the text is empty`);
  if (text.trim().length === 0) return reject(candidate, "empty", `${src}: the text is only whitespace`);
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) {
    return notUtf8(candidate, `an unpaired UTF-16 surrogate at index ${lone.index}, which UTF-8 cannot encode`);
  }
  const size = Buffer.byteLength(text, "utf8");
  const tooBig = checkSize(candidate, "text", size, " in UTF-8");
  if (tooBig !== undefined) return tooBig;
  return { status: "accepted", candidate, kind: "text", format: "plain", size, warnings: [] };
}

// ---------------------------------------------------------------------------
// Limits and messages

const SIZE_LIMIT_NOTE: Readonly<Record<InputKind, string>> = {
  image: "images",
  video: "video files (a larger video, up to 300 MB or 10 minutes, can be uploaded by URL)",
  audio: "audio files (split longer recordings)",
  text: "text",
};

function checkSize(candidate: Candidate, kind: InputKind, size: number, how: string): Rejected | undefined {
  const limit = KIND_LIMITS[kind].maxBytesExclusive;
  if (size < limit) return undefined;
  let shown = formatBytes(size);
  let limitShown = `${limit / MiB} MiB`;
  if (shown === formatBytes(limit)) {
    shown = `${groupDigits(size)} bytes`;
    limitShown += ` (${groupDigits(limit)} bytes)`;
  }
  const note = SIZE_LIMIT_NOTE[kind];
  const [what, rest] = splitNote(note);
  return reject(candidate, "too_large", `${candidate.source}: ${kind} is ${shown}${how}; the platform accepts ${what} under ${limitShown}${rest}`);
}

/** "video files (a note)" -> ["video files", " (a note)"]. */
function splitNote(note: string): [string, string] {
  const at = note.indexOf(" (");
  return at < 0 ? [note, ""] : [note.slice(0, at), note.slice(at)];
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < MiB) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / MiB).toFixed(1)} MiB`;
}

function groupDigits(n: number): string {
  return n.toLocaleString("en-US");
}

const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  jpeg: "JPEG",
  png: "PNG",
  tiff: "TIFF",
  bmp: "BMP",
  webp: "WEBP",
  gif: "GIF",
  avi: "AVI",
  mp4: "MP4",
  wmv: "WMV",
  mov: "MOV",
  "3gp": "3GPP",
  wav: "WAV",
  plain: "plain",
  csv: "CSV",
  tsv: "TSV",
};

function displayName(format: string): string {
  return DISPLAY_NAMES[format] ?? format.toUpperCase();
}

/** "PNG image", "MP3 audio", "CSV text", "PDF". */
function formatLabel(kind: InputKind | undefined, format: string): string {
  return kind === undefined ? displayName(format) : `${displayName(format)} ${kind}`;
}

function acceptedFormatsOf(kind: InputKind): string {
  if (kind === "text") return "text as UTF-8 .txt, .csv or .tsv files";
  const plural = kind === "image" ? "images" : kind;
  return `${plural} as ${KIND_LIMITS[kind].formats.map(displayName).join(", ")}`;
}

const ACCEPTED_FORMATS = (["image", "video", "audio", "text"] as const).map(acceptedFormatsOf).join("; ");

function reject(candidate: Candidate, reason: RejectReason, message: string): Rejected {
  return { status: "rejected", candidate, reason, message };
}
