/**
 * A ZIP archive as a source: one candidate per file entry, read straight from
 * the archive (nothing is extracted, the archive is never loaded whole).
 * Entries that are hostile or unusable (unsafe names, duplicates, encryption,
 * zip bombs, sizes that lie, archives inside the archive) are reported with a
 * reason code and skipped; the rest of the archive still comes through.
 */
import type { Entry } from "yauzl";
import { MiB } from "../validate/limits.js";
import type { Candidate, SourceReport } from "./candidate.js";
import { entryByteSource, ZipEntryError } from "./zip-entry-bytes.js";
import { EntryLister, openZip, ZipHandle } from "./zip-handle.js";
import { archiveExtension, archiveMagic, entryName, unsafeNameProblem } from "./zip-names.js";

export interface ZipOptions {
  /** Prefix for relPath, e.g. "sub/archive.zip/" when expanding zips found in a folder walk; default "". */
  relPrefix?: string;
  /** Uncompressed / compressed size above which an entry is a zip bomb; default 100. */
  maxCompressionRatio?: number;
  /** Declared sizes above this are not read; default 128 MiB: nothing bigger can be sent anyway. */
  maxEntryBytes?: number;
}

/** Reason codes of the entries (and archives) this source reports instead of yielding. */
export type ZipRejectReason =
  | "corrupt_archive"
  | "unreadable"
  | "unsafe_name"
  | "duplicate_entry"
  | "nested_archive"
  | "encrypted"
  | "unsupported_compression"
  | "too_large"
  | "zip_bomb"
  | "entry_size_mismatch"
  | "corrupt_entry";

export const ZIP_REJECT_REASONS: readonly ZipRejectReason[] = [
  "corrupt_archive",
  "unreadable",
  "unsafe_name",
  "duplicate_entry",
  "nested_archive",
  "encrypted",
  "unsupported_compression",
  "too_large",
  "zip_bomb",
  "entry_size_mismatch",
  "corrupt_entry",
];

const DEFAULT_MAX_COMPRESSION_RATIO = 100;
const DEFAULT_MAX_ENTRY_BYTES = 128 * MiB;
/**
 * Compression ratios are judged only for entries declaring more than this: small
 * blank images or repetitive text compress far beyond 100:1, and nothing that
 * small can hurt.
 */
const RATIO_MIN_BYTES = MiB;
/**
 * What the listing reads of each entry to spot an archive by its magic bytes:
 * at least the validator's sniff head (4,100 bytes), which is then served from
 * these bytes instead of a second read, and tar's magic at byte 257.
 */
const PEEK_BYTES = 8 * 1024;

const STORED = 0;
const DEFLATED = 8;

interface Settings {
  readonly relPrefix: string;
  readonly maxCompressionRatio: number;
  readonly maxEntryBytes: number;
}

interface Rejection {
  readonly code: ZipRejectReason;
  readonly message: string;
}

/**
 * The archive's file entries as candidates, listed lazily. The archive is open
 * while the listing runs and while any entry's bytes are being read; see
 * `ZipHandle` for why it is closed (and reopened for later reads) in between.
 */
export function readZip(archivePath: string, report: SourceReport, options: ZipOptions = {}): AsyncIterable<Candidate> {
  const settings: Settings = {
    relPrefix: options.relPrefix ?? "",
    maxCompressionRatio: options.maxCompressionRatio ?? DEFAULT_MAX_COMPRESSION_RATIO,
    maxEntryBytes: options.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES,
  };
  return listEntries(archivePath, report, settings);
}

async function* listEntries(archivePath: string, report: SourceReport, settings: Settings): AsyncGenerator<Candidate> {
  let handle: ZipHandle;
  let lister: EntryLister;
  try {
    const zipfile = await openZip(archivePath);
    lister = new EntryLister(zipfile);
    handle = new ZipHandle(archivePath, zipfile);
  } catch (error) {
    reportUnopenable(archivePath, report, error);
    return;
  }
  if (lister.declared === 0) report.warning(archivePath, `${archivePath}: the archive holds no entries`);
  try {
    const seen = new Set<string>();
    for (;;) {
      let entry: Entry | undefined;
      try {
        entry = await lister.next();
      } catch (error) {
        report.rejected(
          archivePath,
          "corrupt_archive",
          `${archivePath}: the archive's central directory is damaged at entry ${lister.read + 1} of ${lister.declared} ` +
            `(${messageOf(error)}); the entries after the damage cannot be listed and are not uploaded`,
        );
        return;
      }
      if (entry === undefined) return;
      const candidate = await candidateOf(entry, archivePath, handle, seen, report, settings);
      if (candidate) yield candidate;
    }
  } finally {
    handle.release();
  }
}

function reportUnopenable(archivePath: string, report: SourceReport, error: unknown): void {
  const message = messageOf(error);
  if (isSystemError(error)) {
    report.rejected(archivePath, "unreadable", `${archivePath}: cannot open the archive: ${message}`);
  } else {
    report.rejected(archivePath, "corrupt_archive", `${archivePath}: not a readable ZIP archive (${message}); nothing in it is uploaded`);
  }
}

/** The candidate for one entry, or undefined when it is a folder or was rejected (and reported). */
async function candidateOf(
  entry: Entry,
  archivePath: string,
  handle: ZipHandle,
  seen: Set<string>,
  report: SourceReport,
  settings: Settings,
): Promise<Candidate | undefined> {
  const name = entryName(entry);
  if (name.endsWith("/")) return undefined;
  const source = `${archivePath}:${name}`;
  const rejection = judgeEntry(entry, name, seen, settings);
  if (rejection) {
    report.rejected(source, rejection.code, `${source}: ${rejection.message}`);
    return undefined;
  }
  const bytes = entryByteSource(handle, entry);
  const peeked = await peek(bytes.head.bind(bytes));
  if (!Buffer.isBuffer(peeked)) {
    report.rejected(source, peeked.code, `${source}: ${peeked.message}`);
    return undefined;
  }
  const magic = archiveMagic(peeked);
  if (magic !== undefined) {
    report.rejected(source, "nested_archive", `${source}: ${nestedMessage(`its content is a ${magic} archive`)}`);
    return undefined;
  }
  return {
    source,
    relPath: settings.relPrefix + name,
    content: { kind: "bytes", bytes },
    fingerprint: `crc32:${entry.crc32}:${entry.uncompressedSize}`,
  };
}

/** The first bytes, or why they cannot be read. */
async function peek(head: (length: number) => Promise<Buffer>): Promise<Buffer | Rejection> {
  try {
    return await head(PEEK_BYTES);
  } catch (error) {
    const code = error instanceof ZipEntryError ? error.code : "unreadable";
    return { code, message: messageOf(error) };
  }
}

/** Everything the central directory alone tells against an entry, in order of what matters most to the user. */
function judgeEntry(entry: Entry, name: string, seen: Set<string>, settings: Settings): Rejection | undefined {
  const unsafe = unsafeNameProblem(name);
  if (unsafe !== undefined) return { code: "unsafe_name", message: `unsafe entry name: ${unsafe}; the entry is not read` };
  if (seen.has(name)) {
    return { code: "duplicate_entry", message: "an earlier entry of the archive has the same name; only the first one is read" };
  }
  seen.add(name);
  const ext = archiveExtension(name);
  if (ext !== undefined) return { code: "nested_archive", message: nestedMessage(`its name ends in ${ext}`) };
  if (entry.isEncrypted()) {
    return { code: "encrypted", message: "the entry is encrypted; encrypted entries cannot be read without their password and are not uploaded" };
  }
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    return {
      code: "unsupported_compression",
      message: `the entry uses compression method ${entry.compressionMethod}; only stored (0) and deflated (8) entries can be read`,
    };
  }
  return judgeSizes(entry, settings);
}

function judgeSizes(entry: Entry, settings: Settings): Rejection | undefined {
  const size = entry.uncompressedSize;
  const compressed = entry.compressedSize;
  if (size > settings.maxEntryBytes) {
    return {
      code: "too_large",
      message: `the archive declares ${byteCount(size)} for this entry; entries over ${byteCount(settings.maxEntryBytes)} are not read, as nothing that large can be uploaded`,
    };
  }
  if (size > RATIO_MIN_BYTES && size > compressed * settings.maxCompressionRatio) {
    const ratio = compressed === 0 ? "unbounded" : `${Math.round(size / compressed)}:1`;
    return {
      code: "zip_bomb",
      message:
        `compression ratio ${ratio} (${byteCount(compressed)} expand to ${byteCount(size)}) is over the ${settings.maxCompressionRatio}:1 limit; ` +
        "the entry looks like a zip bomb and is not read",
    };
  }
  if (entry.compressionMethod === STORED && compressed !== size) {
    return {
      code: "entry_size_mismatch",
      message: `the entry's real size differs from its declared size: it is stored uncompressed in ${byteCount(compressed)}, but the archive declares ${byteCount(size)}`,
    };
  }
  return undefined;
}

function nestedMessage(why: string): string {
  return `an archive inside the archive (${why}) is not expanded, as the platform does not extract nested archives; upload it on its own`;
}

function byteCount(n: number): string {
  return `${n.toLocaleString("en-US")} bytes`;
}

function isSystemError(error: unknown): boolean {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
