/**
 * Tells what a file is from its first bytes (magic numbers, via file-type) and,
 * separately, what its name says it is (via mime-types), so that the validator
 * can trust the content and warn when the name disagrees.
 *
 * Formats are named with the short lower-case names of `KIND_LIMITS` ("jpeg",
 * "mp4", "wav", "csv", ...) when the platform accepts them; anything else keeps
 * a name that makes a useful message ("mp3", "pdf", "heic", "wma", "text",
 * "utf-16", "binary").
 */
import { isUtf8 } from "node:buffer";
import { extname } from "node:path";
import { lookup as lookupMime } from "mime-types";
import { KIND_LIMITS, type InputKind } from "./limits.js";

/** How many leading bytes `sniff` wants to see (file-type's recommended sample size). */
export const SNIFF_HEAD_BYTES = 4100;

export interface Sniffed {
  /** The kind of input the content is, when the platform accepts its format; otherwise undefined. */
  readonly kind: InputKind | undefined;
  /**
   * With `kind`: one of `KIND_LIMITS[kind].formats`. Without: a name for what the
   * content is: a file-type extension ("mp3", "pdf", "zip", "heic", "flac", "wma"),
   * "text" (UTF-8 text under a name that is not a text input's), "utf-16"
   * (UTF-16 text under a text input's name) or "binary" (nothing recognised).
   */
  readonly format: string;
  /** The content's media type, when known. */
  readonly mime?: string;
  /** What the file name's extension implies, when mime-types knows the extension. */
  readonly extensionKind?: InputKind;
  /** The extension's format in the same naming as `format` ("jpeg" for .jpg); the bare extension when unsupported. */
  readonly extensionFormat?: string;
}

export interface SniffOptions {
  /**
   * The head is the whole file. Then a multi-byte character cut at its end is
   * invalid UTF-8; otherwise it is only where the head stops.
   */
  readonly complete?: boolean;
  /** UTF-8 content is text whatever the file name says (a manifest declared it text). */
  readonly expectText?: boolean;
}

/** What a file name (or URL path) implies. Every field is unset when the extension is unknown. */
export interface ExtensionFormat {
  /** The lower-case extension without its dot ("jpg"); "" when there is none. */
  readonly extension: string;
  readonly kind?: InputKind;
  /** Our format name when the platform accepts it ("jpeg"), else the extension ("mp3"). */
  readonly format?: string;
  readonly mime?: string;
}

interface KindFormat {
  readonly kind: InputKind;
  readonly format: string;
}

/** Media types (from either side: file-type or mime-types) of the formats the platform accepts. */
const SUPPORTED_MIME: ReadonlyMap<string, KindFormat> = new Map<string, KindFormat>([
  ["image/jpeg", { kind: "image", format: "jpeg" }],
  ["image/pjpeg", { kind: "image", format: "jpeg" }],
  ["image/png", { kind: "image", format: "png" }],
  ["image/apng", { kind: "image", format: "png" }],
  ["image/tiff", { kind: "image", format: "tiff" }],
  ["image/bmp", { kind: "image", format: "bmp" }],
  ["image/x-ms-bmp", { kind: "image", format: "bmp" }],
  ["image/webp", { kind: "image", format: "webp" }],
  ["image/gif", { kind: "image", format: "gif" }],
  ["video/vnd.avi", { kind: "video", format: "avi" }],
  ["video/avi", { kind: "video", format: "avi" }],
  ["video/msvideo", { kind: "video", format: "avi" }],
  ["video/x-msvideo", { kind: "video", format: "avi" }],
  ["video/mp4", { kind: "video", format: "mp4" }],
  ["video/x-m4v", { kind: "video", format: "mp4" }],
  ["video/x-ms-wmv", { kind: "video", format: "wmv" }],
  ["video/x-ms-asf", { kind: "video", format: "wmv" }],
  ["application/vnd.ms-asf", { kind: "video", format: "wmv" }],
  ["video/quicktime", { kind: "video", format: "mov" }],
  ["video/3gpp", { kind: "video", format: "3gp" }],
  ["audio/wav", { kind: "audio", format: "wav" }],
  ["audio/wave", { kind: "audio", format: "wav" }],
  ["audio/x-wav", { kind: "audio", format: "wav" }],
  ["audio/vnd.wave", { kind: "audio", format: "wav" }],
]);

/** Extensions that make a UTF-8 file a text input (the platform's plain text, CSV and TSV). */
const TEXT_EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ["txt", "plain"],
  ["text", "plain"],
  ["csv", "csv"],
  ["tsv", "tsv"],
]);

const TEXT_MIME: Readonly<Record<string, string>> = {
  plain: "text/plain",
  csv: "text/csv",
  tsv: "text/tab-separated-values",
};

/** The media kind a media type belongs to, whether or not the platform accepts the format. */
export function kindOfMime(mime: string | undefined): InputKind | undefined {
  if (mime === undefined) return undefined;
  const top = mime.slice(0, mime.indexOf("/"));
  return top === "image" || top === "video" || top === "audio" || top === "text" ? top : undefined;
}

/** What a file name or URL path says the file is (mime-types). */
export function sniffExtension(fileName: string): ExtensionFormat {
  const extension = extname(fileName).slice(1).toLowerCase();
  const known = BY_EXTENSION.get(extension);
  if (known !== undefined) return known;
  const found = formatOfExtension(extension);
  // Uploads use a handful of extensions; the bound keeps a tree of odd names from growing it.
  if (BY_EXTENSION.size < MAX_KNOWN_EXTENSIONS) BY_EXTENSION.set(extension, found);
  return found;
}

/** What each extension seen so far says: asked once per file, answered by mime-types once per extension. */
const BY_EXTENSION = new Map<string, ExtensionFormat>();
const MAX_KNOWN_EXTENSIONS = 1024;

function formatOfExtension(extension: string): ExtensionFormat {
  if (extension === "") return { extension };
  const textFormat = TEXT_EXTENSIONS.get(extension);
  if (textFormat !== undefined) return { extension, kind: "text", format: textFormat, mime: TEXT_MIME[textFormat] };
  const mime = lookupMime(extension);
  if (mime === false) return { extension };
  const supported = SUPPORTED_MIME.get(mime);
  if (supported !== undefined) return { extension, kind: supported.kind, format: supported.format, mime };
  const kind = kindOfMime(mime);
  return kind === undefined ? { extension, format: extension, mime } : { extension, kind, format: extension, mime };
}

/** Whether `format` of `kind` is one the platform accepts. */
export function isSupported(kind: InputKind, format: string): boolean {
  return KIND_LIMITS[kind].formats.includes(format);
}


interface Magic {
  readonly format: string;
  readonly mime: string;
  readonly supported?: KindFormat;
}

/**
 * file-type's verdict, normalised: WMV versus WMA for ASF, and a BMP only when
 * the header after "BM" is a real one (file-type trusts those two letters
 * alone, which any text starting with "BM" has).
 */
let fileType: Promise<typeof import("file-type")> | undefined;

/** file-type, loaded on first use: a folder of PNGs and JPEGs never needs it, and loading it costs start-up time. */
async function fileTypeParser(): Promise<typeof import("file-type").FileTypeParser> {
  fileType ??= import("file-type");
  return (await fileType).FileTypeParser;
}

const PNG: Magic = { format: "png", mime: "image/png", supported: { kind: "image", format: "png" } };
const JPEG: Magic = { format: "jpg", mime: "image/jpeg", supported: { kind: "image", format: "jpeg" } };

/**
 * The two formats of nearly every upload, decided without file-type's full scan (for a
 * PNG it walks every chunk to tell APNG apart, which is a PNG to us too), and without
 * waiting; undefined for any other head.
 */
function wellKnownMagic(head: Buffer): Magic | undefined {
  if (head.length >= 8 && head.readUInt32BE(0) === 0x89504e47 && head.readUInt32BE(4) === 0x0d0a1a0a) return PNG;
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return JPEG;
  return undefined;
}

/** What file-type makes of a head (which `wellKnownMagic` did not name). */
async function fileTypeMagic(head: Buffer): Promise<Magic | undefined> {
  let result;
  try {
    // A parser per call: a FileTypeParser keeps the file being parsed on itself, so
    // concurrent validations sharing one would read each other's bytes.
    result = await new (await fileTypeParser())().fromBuffer(head);
  } catch {
    return undefined; // a malformed structure inside a known container: treat as unrecognised
  }
  if (result === undefined) {
    // file-type follows a TIFF's first directory offset and gives up when it lies
    // past the head, which is where libtiff writes it in any TIFF bigger than the
    // head. Camera raw formats built on TIFF (CR2, NEF, ARW, DNG) keep that
    // directory at the start, so file-type has already named them.
    return looksLikeTiff(head) ? { format: "tif", mime: "image/tiff", supported: { kind: "image", format: "tiff" } } : undefined;
  }
  const { ext, mime } = result;
  if (ext === "bmp" && !looksLikeBmp(head)) return undefined;
  if (ext === "asf" && mime === "audio/x-ms-asf") return { format: "wma", mime: "audio/x-ms-wma" };
  const supported = SUPPORTED_MIME.get(mime);
  return supported === undefined ? { format: ext, mime } : { format: ext, mime, supported };
}

/** The classic TIFF header ("II*\0" or "MM\0*") with a first directory offset past the header itself. */
function looksLikeTiff(head: Buffer): boolean {
  if (head.length < 8) return false;
  const le = head[0] === 0x49 && head[1] === 0x49 && head[2] === 0x2a && head[3] === 0x00;
  const be = head[0] === 0x4d && head[1] === 0x4d && head[2] === 0x00 && head[3] === 0x2a;
  return (le || be) && (le ? head.readUInt32LE(4) : head.readUInt32BE(4)) >= 8;
}

/** Size of a BITMAPINFOHEADER and its successors, or of the old OS/2 BITMAPCOREHEADER. */
const BMP_DIB_HEADER_SIZES = new Set([12, 16, 40, 52, 56, 64, 108, 124]);

function looksLikeBmp(head: Buffer): boolean {
  return head.length >= 18 && BMP_DIB_HEADER_SIZES.has(head.readUInt32LE(14));
}

/**
 * Where a buffer stops being UTF-8 text: invalid UTF-8 or a NUL byte. Returns
 * undefined when it is all text. When `complete` is false a multi-byte
 * character cut by the end of the buffer is not an error.
 */
export function findTextProblem(buf: Buffer, complete: boolean, offset = 0): string | undefined {
  if (offset === 0 && hasUtf16Bom(buf)) return `a UTF-16 byte order mark (${hex(buf[0] ?? 0)} ${hex(buf[1] ?? 0)})`;
  const nul = buf.indexOf(0);
  const end = complete ? buf.length : endOfWholeCharacters(buf);
  if (!isUtf8(buf.subarray(0, end))) {
    const at = firstInvalidUtf8(buf, end);
    if (nul < 0 || at < nul) return `invalid UTF-8 byte ${hex(buf[at] ?? 0)} at offset ${offset + at}`;
  }
  if (nul >= 0) return `a NUL byte at offset ${offset + nul} (binary data)`;
  return undefined;
}

/**
 * `findTextProblem` of bytes that come in chunks (each valid only until the next), so
 * that a large text is checked without holding it whole. A character cut by the end of a
 * chunk is checked with the next one.
 */
export async function findTextProblemInChunks(chunks: AsyncIterable<Uint8Array>): Promise<string | undefined> {
  let cut = Buffer.alloc(0);
  let offset = 0;
  for await (const chunk of chunks) {
    const bytes = cut.length > 0 ? Buffer.concat([cut, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const end = endOfWholeCharacters(bytes);
    const problem = findTextProblem(bytes.subarray(0, end), true, offset);
    if (problem !== undefined) return problem;
    // A copy: the chunk's memory is reused for the next one.
    cut = Buffer.from(bytes.subarray(end));
    offset += end;
  }
  return cut.length > 0 ? findTextProblem(cut, true, offset) : undefined;
}

function hasUtf16Bom(buf: Buffer): boolean {
  return buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff));
}

function hex(byte: number): string {
  return `0x${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

/** The length of `buf` without a trailing, incomplete multi-byte sequence. */
function endOfWholeCharacters(buf: Buffer): number {
  let i = buf.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 3 && ((buf[i] ?? 0) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return buf.length;
  const needed = sequenceLength(buf[i] ?? 0);
  return needed > continuation + 1 ? i : buf.length;
}

/** How many bytes a UTF-8 sequence starting with `lead` has (1 for an invalid lead, which isUtf8 reports). */
function sequenceLength(lead: number): number {
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 1;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (only called when there is one). */
function firstInvalidUtf8(buf: Buffer, end: number): number {
  let i = 0;
  while (i < end) {
    const lead = buf[i] ?? 0;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const length = sequenceLength(lead);
    if (length === 1 || i + length > end) return i;
    const second = buf[i + 1] ?? 0;
    // Overlong forms, surrogates and code points above U+10FFFF have a narrower second byte.
    const min = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const max = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second < min || second > max) return i;
    for (let k = 2; k < length; k++) {
      if (((buf[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return Math.min(i, end);
}

/**
 * What the content of a file is, from its first bytes (ideally `SNIFF_HEAD_BYTES`).
 *
 * Order: a text input's name (or `expectText`) with a head that is UTF-8
 * without NUL bytes is text (no format the platform accepts as media can look
 * like that, while file-type has a few two-letter signatures that text can
 * match); then magic numbers, which win over the extension; then UTF-8 text
 * under another name, which is not an input the platform accepts; then unknown
 * binary data.
 */
export async function sniff(head: Buffer, fileName: string, options: SniffOptions = {}): Promise<Sniffed> {
  return sniffNow(head, fileName, options) ?? fromMagic(head, sniffExtension(fileName), options, await fileTypeMagic(head));
}

/** `sniff`, when it needs no more than the head and the name: undefined when file-type must be asked. */
export function sniffNow(head: Buffer, fileName: string, options: SniffOptions = {}): Sniffed | undefined {
  const ext = sniffExtension(fileName);
  const wantsText = options.expectText === true || TEXT_EXTENSIONS.has(ext.extension);
  if (wantsText) {
    const byName = ext.format === undefined ? {} : { extensionKind: ext.kind, extensionFormat: ext.format };
    if (findTextProblem(head, options.complete === true) === undefined) {
      const format = ext.kind === "text" && ext.format !== undefined && isSupported("text", ext.format) ? ext.format : "plain";
      return { kind: "text", format, mime: TEXT_MIME[format], ...byName };
    }
    if (hasUtf16Bom(head)) return { kind: undefined, format: "utf-16", mime: "text/plain; charset=utf-16", ...byName };
  }
  const found = wellKnownMagic(head);
  return found === undefined ? undefined : fromMagic(head, ext, options, found);
}

/** What a head is, once its magic is known (none: text or binary data). */
function fromMagic(head: Buffer, ext: ExtensionFormat, options: SniffOptions, found: Magic | undefined): Sniffed {
  const byName = ext.format === undefined ? {} : { extensionKind: ext.kind, extensionFormat: ext.format };
  const complete = options.complete === true;
  if (found?.supported !== undefined) {
    return { kind: found.supported.kind, format: found.supported.format, mime: found.mime, ...byName };
  }
  if (found !== undefined) return { kind: undefined, format: found.format, mime: found.mime, ...byName };
  if (findTextProblem(head, complete) === undefined) return { kind: undefined, format: "text", mime: "text/plain", ...byName };
  return { kind: undefined, format: "binary", ...byName };
}
