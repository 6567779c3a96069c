import { UsageError } from "../errors.js";
import type { InputKind } from "../validate/limits.js";
import { dottedReader, isDottedColumn } from "./manifest-dotted.js";
import type { RowReader } from "./manifest-fields.js";
import { type CsvType, SDK_COLUMNS, sdkReader } from "./manifest-sdk.js";
import { SIMPLE_COLUMNS, SIMPLE_CONTENT_COLUMNS, simpleReader } from "./manifest-simple.js";

export interface DialectOptions {
  readonly csvType?: CsvType;
  readonly type?: InputKind;
}

export interface DetectedDialect {
  readonly reader: RowReader;
  /** Columns the dialect does not read (not an error: said once, as a warning). */
  readonly ignored: readonly string[];
}

/** Columns `--failed-out` adds to the simple dialect's; read back, they are ignored without a word. */
const FAILED_OUT_EXTRAS = new Set(["reason", "message"]);

/**
 * Picks the dialect from the header row:
 * - any column starting with `input.` or `input[`: the platform's dotted field paths,
 *   and then every column must be one;
 * - else a column `input`, `inputid` or `geopoints`: the Python SDK's CSV, and then only
 *   its five columns may appear, and `csvType` is required;
 * - else a column `file`, `url` or `text`: the simple dialect; other columns are ignored.
 * Anything else is a UsageError that says what was expected.
 */
export function detectDialect(header: readonly string[], options: DialectOptions = {}): DetectedDialect {
  const names = header.map((name) => name.trim());
  const lower = names.map((name) => name.toLowerCase());
  checkUnique(names, lower);
  if (names.some(isDottedColumn)) {
    refuseCsvType(options, "the platform's input.* field paths");
    return { reader: dottedReader(names), ignored: [] };
  }
  if (lower.some((name) => name === "input" || name === "inputid" || name === "geopoints")) {
    return { reader: sdkDialect(names, lower, options), ignored: [] };
  }
  if (lower.some((name) => (SIMPLE_CONTENT_COLUMNS as readonly string[]).includes(name))) {
    refuseCsvType(options, `the simple ${SIMPLE_COLUMNS.join(",")} columns`);
    const known = new Set<string>([...SIMPLE_COLUMNS, ...FAILED_OUT_EXTRAS, ""]);
    return { reader: simpleReader(lower, options.type), ignored: names.filter((_, at) => !known.has(lower[at] as string)) };
  }
  throw new UsageError(noDialectMessage(names));
}

function checkUnique(names: readonly string[], lower: readonly string[]): void {
  const seen = new Set<string>();
  for (const [at, name] of lower.entries()) {
    if (name === "") continue;
    if (seen.has(name)) throw new UsageError(`manifest column ${JSON.stringify(names[at])} appears twice in the header`);
    seen.add(name);
  }
}

function refuseCsvType(options: DialectOptions, dialect: string): void {
  if (options.csvType !== undefined) {
    throw new UsageError(`--csv-type applies to the Python SDK's CSV (${SDK_COLUMNS.join(",")}); this manifest has ${dialect}`);
  }
}

function sdkDialect(names: readonly string[], lower: readonly string[], options: DialectOptions): RowReader {
  const others = names.filter((name, at) => name !== "" && !(SDK_COLUMNS as readonly string[]).includes(lower[at] as string));
  if (others.length > 0) {
    throw new UsageError(`manifest column ${others.map((name) => JSON.stringify(name)).join(", ")}: the Python SDK's CSV has only the columns ${SDK_COLUMNS.join(", ")}`);
  }
  if (!lower.includes("input")) throw new UsageError(`the manifest has the Python SDK's columns but no input column`);
  if (options.csvType === undefined) {
    throw new UsageError(`the manifest has the Python SDK's columns (${SDK_COLUMNS.join(",")}): say what its input column holds with --csv-type raw|url|file_path`);
  }
  if (options.csvType === "raw" && options.type !== undefined && options.type !== "text") {
    throw new UsageError(`--csv-type raw holds text; --type ${options.type} needs --csv-type url or file_path`);
  }
  const kind = options.csvType === "raw" ? "text" : options.type;
  return sdkReader(lower, options.csvType, kind);
}

function noDialectMessage(names: readonly string[]): string {
  const shown = names.length === 1 && /[\t,;|]/.test(names[0] as string) ? ` (one column ${JSON.stringify(names[0])}: is the delimiter right? --delimiter sets it)` : ` (${names.join(", ")})`;
  return (
    `the manifest's header${shown} matches no manifest dialect: give file, url or text columns ` +
    `(with ${SIMPLE_COLUMNS.join(",")}), the Python SDK's ${SDK_COLUMNS.join(",")} with --csv-type, ` +
    `or the platform's field paths such as input.id, input.data.image.url, input.data.text.raw`
  );
}
