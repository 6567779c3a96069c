import { crc32 } from "node:zlib";
import type { Entry } from "yauzl";

/** General purpose flag bit 11: the name and comment are UTF-8. */
const UTF8_FLAG = 0x800;
/** Info-ZIP Unicode Path extra field: a UTF-8 name beside a legacy one. */
const UNICODE_PATH_FIELD = 0x7075;

const CP437 =
  "\u0000☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼ !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~⌂" +
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * An entry's name as text. The archive is opened with `decodeStrings: false` so
 * that yauzl does not refuse the whole archive at the first unsafe name: names are
 * decoded (and judged) here, one entry at a time.
 */
export function entryName(entry: Entry): string {
  const raw = rawName(entry);
  const unicode = unicodePathOf(entry, raw);
  if (unicode !== undefined) return unicode;
  if ((entry.generalPurposeBitFlag & UTF8_FLAG) !== 0) return raw.toString("utf8");
  // Many tools (macOS, 7-Zip on Unix) write UTF-8 names without setting the flag;
  // bytes that are valid UTF-8 are almost never meant as CP437.
  try {
    return strictUtf8.decode(raw);
  } catch {
    return Array.from(raw, (byte) => CP437[byte]).join("");
  }
}

function rawName(entry: Entry): Buffer {
  const name: unknown = entry.fileName;
  return Buffer.isBuffer(name) ? name : Buffer.from(String(name), "utf8");
}

function unicodePathOf(entry: Entry, raw: Buffer): string | undefined {
  for (const field of entry.extraFields) {
    if (field.id !== UNICODE_PATH_FIELD || field.data.length < 6 || field.data[0] !== 1) continue;
    // The field is valid only for the name it was written beside.
    if (field.data.readUInt32LE(1) !== crc32(raw)) continue;
    return field.data.subarray(5).toString("utf8");
  }
  return undefined;
}

/** Why a name is unsafe to use as a path, or undefined when it is fine. */
export function unsafeNameProblem(name: string): string | undefined {
  if (name === "") return "the name is empty";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "the name contains control characters";
  if (name.includes("\\")) return "the name contains a backslash (a Windows path separator)";
  if (/^[A-Za-z]:/.test(name)) return "the name starts with a drive letter (an absolute Windows path)";
  if (name.startsWith("/")) return "the name is an absolute path";
  if (name.split("/").includes("..")) return "the name climbs out of the archive with ..";
  return undefined;
}

const ARCHIVE_EXTENSIONS = [".zip", ".tar", ".gz", ".tgz", ".7z", ".rar", ".bz2", ".tbz2", ".xz", ".txz", ".zst"];

/** The archive format a name announces, e.g. ".tar.gz", or undefined. */
export function archiveExtension(name: string): string | undefined {
  const lower = name.toLowerCase();
  const found = ARCHIVE_EXTENSIONS.find((ext) => lower.endsWith(ext));
  if (found === undefined) return undefined;
  return lower.endsWith(`.tar${found}`) ? `.tar${found}` : found;
}

const ARCHIVE_MAGIC: ReadonlyArray<{ readonly format: string; readonly offset: number; readonly bytes: Buffer }> = [
  { format: "ZIP", offset: 0, bytes: Buffer.from("PK\x03\x04", "latin1") },
  { format: "ZIP", offset: 0, bytes: Buffer.from("PK\x05\x06", "latin1") }, // an empty ZIP
  { format: "gzip", offset: 0, bytes: Buffer.from([0x1f, 0x8b]) },
  { format: "7z", offset: 0, bytes: Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { format: "RAR", offset: 0, bytes: Buffer.from("Rar!\x1a\x07", "latin1") },
  { format: "xz", offset: 0, bytes: Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { format: "tar", offset: 257, bytes: Buffer.from("ustar", "latin1") },
];

/** The archive format the first bytes of an entry show, or undefined. */
export function archiveMagic(head: Buffer): string | undefined {
  const found = ARCHIVE_MAGIC.find(({ offset, bytes }) => head.subarray(offset, offset + bytes.length).equals(bytes));
  return found?.format;
}
