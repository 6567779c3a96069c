import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { codeOf, UsageError } from "../errors.js";
import { isValidInputId } from "../plan/ids.js";
import type { InputKind } from "../validate/limits.js";
import type { Candidate, Content, RefusedRow, SourceReport } from "./candidate.js";
import { fileByteSource, fileFingerprint } from "./file-bytes.js";
import { type CsvRecord, CsvSyntaxError, readCsvRecords } from "./manifest-csv.js";
import { type DetectedDialect, detectDialect } from "./manifest-dialect.js";
import { type ManifestDialect, type RowReader, type RowSpec, RowProblem, isInputKind } from "./manifest-fields.js";
import { locateRowFile } from "./manifest-file-path.js";
import { CSV_TYPES, type CsvType } from "./manifest-sdk.js";

export type { ManifestDialect, ManifestReason } from "./manifest-fields.js";
export type { CsvType } from "./manifest-sdk.js";

export interface ManifestOptions {
  /** Field delimiter; default from the extension: `.tsv` -> tab, else comma; `-` (stdin) -> comma. `tab` and `\t` mean a tab. */
  delimiter?: string;
  /** What the Python SDK dialect's `input` column holds (required for that dialect, refused for the others). */
  csvType?: CsvType;
  /** The SDK dialect's input type (default text for raw); in the simple dialect, the kind of file and URL rows without a `type`. */
  type?: InputKind;
  /** Folder that relative `file` paths resolve against; default: the manifest's folder (cwd for stdin). */
  baseDir?: string;
  /**
   * The working directory, which the Python SDK's relative `file_path` inputs are tried
   * against first (as the SDK opens them), before the manifest's folder. Default: cwd.
   */
  workingDir?: string;
  /** Read instead of process.stdin when the path is `-`. */
  stdin?: Readable;
}

/**
 * The candidates of a CSV/TSV manifest (or `-` for stdin), read lazily row by row. A bad
 * row is reported through `report.rejected` with its line and a reason code, and the rest
 * of the manifest goes on; a header no dialect fits is a UsageError (thrown on the first
 * read); bad options are a UsageError at once.
 */
export function readManifest(path: string, report: SourceReport, options: ManifestOptions = {}): AsyncIterable<Candidate> {
  const settings = settle(path, options);
  return manifestCandidates(settings, report);
}

/**
 * Reads only the header of a manifest file and tells its dialect: lets a caller refuse a
 * bad manifest before a job starts. Throws the UsageError `readManifest` would.
 */
export async function manifestDialect(path: string, options: ManifestOptions = {}): Promise<ManifestDialect | undefined> {
  if (path === "-") throw new UsageError("the header of stdin cannot be read ahead");
  const settings = settle(path, options);
  await checkReadable(path);
  for await (const record of readCsvRecords(createReadStream(path), settings.delimiter)) {
    if (!isBlank(record.cells)) return detectHeader(settings, record).reader.dialect;
  }
  return undefined;
}

interface Settings {
  readonly path: string;
  readonly delimiter: string;
  readonly baseDir: string;
  readonly workingDir: string;
  readonly options: ManifestOptions;
}

function settle(path: string, options: ManifestOptions): Settings {
  const stdin = path === "-";
  if (options.csvType !== undefined && !CSV_TYPES.includes(options.csvType)) throw new UsageError(`--csv-type ${String(options.csvType)}: expected one of ${CSV_TYPES.join(", ")}`);
  if (options.type !== undefined && !isInputKind(options.type)) throw new UsageError(`--type ${String(options.type)}: expected image, video, audio or text`);
  return {
    path,
    delimiter: delimiterFor(path, options.delimiter),
    baseDir: resolve(options.baseDir ?? (stdin ? process.cwd() : dirname(resolve(path)))),
    workingDir: resolve(options.workingDir ?? process.cwd()),
    options,
  };
}

function delimiterFor(path: string, given: string | undefined): string {
  if (given === undefined) return path !== "-" && path.toLowerCase().endsWith(".tsv") ? "\t" : ",";
  if (given === "tab" || given === "\\t") return "\t";
  if (given === "" || /["\r\n]/.test(given)) throw new UsageError(`--delimiter ${JSON.stringify(given)}: expected a character (or several) other than a quote or a line break`);
  return given;
}

async function checkReadable(path: string): Promise<void> {
  let isFile: boolean;
  try {
    isFile = (await stat(path)).isFile();
  } catch (error) {
    throw new UsageError(`manifest ${path}: ${codeOf(error)}`);
  }
  if (!isFile) throw new UsageError(`manifest ${path}: not a regular file`);
}

async function* manifestCandidates(settings: Settings, report: SourceReport): AsyncGenerator<Candidate> {
  const { path, options } = settings;
  if (path !== "-") await checkReadable(path);
  const stream = path === "-" ? (options.stdin ?? process.stdin) : createReadStream(path);
  const rows = new RowContext(settings, report);
  try {
    for await (const record of readCsvRecords(stream, settings.delimiter)) {
      if (isBlank(record.cells)) continue;
      const candidate = await rows.take(record);
      if (candidate) yield candidate;
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    const source = `${path}:${error.line}`;
    if (!rows.hasHeader) throw new UsageError(`${source}: the manifest's header is not valid CSV (${error.message})`);
    report.rejected(source, "bad_csv", `${source}: not valid CSV (${error.message}); the rest of the manifest is not read`, {});
  }
  if (!rows.hasHeader) report.warning(path, `${path}: the manifest is empty`);
}

/** The dialect of a header row; a UsageError names the manifest and line. */
function detectHeader(settings: Settings, header: CsvRecord): DetectedDialect {
  try {
    return detectDialect(header.cells, settings.options);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${settings.path}:${header.line}: ${error.message}`);
    throw error;
  }
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === "");
}

/** The state of one manifest read: its dialect once the header is seen, and the ids used so far. */
class RowContext {
  private dialect: DetectedDialect | undefined;
  private header: readonly string[] = [];
  private width = 0;
  private readonly idLines = new Map<string, number>();

  constructor(
    private readonly settings: Settings,
    private readonly report: SourceReport,
  ) {}

  get hasHeader(): boolean {
    return this.dialect !== undefined;
  }

  /** The header (the first record) sets the dialect; every later record is a row. */
  async take(record: CsvRecord): Promise<Candidate | undefined> {
    if (!this.dialect) {
      this.dialect = detectHeader(this.settings, record);
      this.header = record.cells.map((name) => name.trim().toLowerCase());
      this.width = record.cells.length;
      for (const column of this.dialect.ignored) {
        this.report.warning(this.settings.path, `${this.settings.path}: column ${JSON.stringify(column)} is not a manifest column; it is ignored`);
      }
      return undefined;
    }
    const source = `${this.settings.path}:${record.line}`;
    try {
      return await this.candidate(this.dialect.reader, record, source);
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      // A row with too many fields cannot be told apart into columns: written back with none.
      this.report.rejected(source, error.reason, `${source}: ${error.message}`, error.reason === "bad_row" ? {} : this.refusedRow(record.cells));
      return undefined;
    }
  }

  private async candidate(reader: RowReader, record: CsvRecord, source: string): Promise<Candidate> {
    this.checkWidth(record.cells);
    const id = this.claimId(reader.readId(record.cells), record.line);
    const spec = reader.read(record.cells, (message) => this.report.warning(source, `${source}: ${message}`));
    const made = await this.content(spec, reader.dialect);
    const rowHash = createHash("sha256").update(JSON.stringify([id, spec, made.absolute])).digest("hex").slice(0, 16);
    return {
      source,
      // A text row is named by the row itself (its text, concepts, metadata, geo and datasets:
      // the same text under two labels is two rows of a classification set).
      relPath: made.relPath ?? `text-${rowHash}`,
      content: made.content,
      fingerprint: made.fileFingerprint ? `${rowHash}:${made.fileFingerprint}` : rowHash,
      id,
      concepts: spec.concepts,
      metadata: spec.metadata,
      geo: spec.geo,
      datasetIds: spec.datasetIds,
      prompt: spec.prompt,
    };
  }

  /**
   * A refused row of the simple dialect as it was, `file` made absolute (the failed-out
   * file may be elsewhere). The other dialects' columns are not the failed-out file's:
   * their rows are written with no fields, named by their line in the message.
   */
  private refusedRow(cells: readonly string[]): RefusedRow {
    const row: Record<string, string> = {};
    if (this.dialect?.reader.dialect !== "simple") return row;
    this.header.forEach((name, i) => (row[name] = cells[i] ?? ""));
    if (row.file) row.file = resolve(this.settings.baseDir, row.file);
    return row;
  }

  /** More cells than the header has columns (beyond empty trailing ones) is usually an unquoted comma. */
  private checkWidth(cells: readonly string[]): void {
    if (cells.length <= this.width || cells.slice(this.width).every((cell) => cell.trim() === "")) return;
    throw new RowProblem("bad_row", `the row has ${cells.length} fields but the header has ${this.width} (a field with the delimiter in it needs quotes)`);
  }

  /** An id must be one the platform takes, and used once per manifest: the first row with it keeps it. */
  private claimId(id: string | undefined, line: number): string | undefined {
    if (id === undefined) return undefined;
    if (!isValidInputId(id)) throw new RowProblem("bad_id", `id ${JSON.stringify(id)} is not a valid input id (1 to 48 characters from A-Z, a-z, 0-9, _ and -)`);
    const first = this.idLines.get(id);
    if (first !== undefined) throw new RowProblem("duplicate_id", `id ${JSON.stringify(id)} is already used on line ${first}`);
    this.idLines.set(id, line);
    return id;
  }

  /**
   * What a row holds, and the name its id comes from when it has none: what the row holds,
   * not where it stands, so a row inserted above or the manifest sorted leaves every other
   * row its id. A URL row is named by its URL, as in `urls`; a text row by the row's hash
   * (none here: the caller names it).
   */
  private async content(spec: RowSpec, dialect: ManifestDialect): Promise<MadeContent> {
    const part = spec.content;
    if (part.via === "text") return { content: { kind: "text", text: part.value } };
    if (part.via === "url") return { content: { kind: "url", url: part.value, declaredKind: part.kind }, relPath: part.value };
    return this.fileContent(part.value, part.kind, dialect);
  }

  /**
   * A row's file: relative to the manifest's folder; in the Python SDK's CSV (unless a
   * base folder is given) first relative to the working directory, where the SDK opens it.
   */
  private async fileContent(file: string, declaredKind: InputKind | undefined, dialect: ManifestDialect): Promise<MadeContent> {
    const beside = { dir: this.settings.baseDir, what: this.settings.path === "-" ? "the working directory" : "beside the manifest" };
    const sdkFirst = dialect === "sdk" && this.settings.options.baseDir === undefined && this.settings.path !== "-";
    const bases = sdkFirst ? [{ dir: this.settings.workingDir, what: "from the working directory, as the Python SDK opens it" }, beside] : [beside];
    const { absolute, stats, base } = await locateRowFile(file, bases);
    const { size, mtimeMs } = stats;
    return {
      content: { kind: "bytes", bytes: fileByteSource(absolute, size), declaredKind },
      relPath: relativeToBase(base, absolute),
      absolute,
      fileFingerprint: fileFingerprint(size, mtimeMs),
    };
  }
}

interface MadeContent {
  readonly content: Content;
  /** Undefined for a text, which is named by its row. */
  readonly relPath?: string;
  readonly absolute?: string;
  readonly fileFingerprint?: string;
}

/**
 * The path relative to the base folder with `/` separators (`../media/a.jpg` for a file
 * beside it), so ids derived from it do not depend on where the files lie; a file on
 * another drive keeps its absolute path.
 */
function relativeToBase(baseDir: string, absolute: string): string {
  const rel = relative(baseDir, absolute);
  return (isAbsolute(rel) ? absolute : rel).split(sep).join("/");
}
