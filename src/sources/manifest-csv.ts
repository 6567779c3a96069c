import type { Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";

/** One parsed record and the line of the file it starts on (1-based, counting the header). */
export interface CsvRecord {
  readonly cells: readonly string[];
  readonly line: number;
}

/** The file is not valid CSV from `line` on (an unclosed quote, say): nothing after it can be trusted. */
export class CsvSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "CsvSyntaxError";
  }
}

interface ParsedRecord {
  readonly record: string[];
  readonly info: { readonly empty_lines: number };
}

/**
 * Streams the records of a CSV/TSV file: UTF-8 with or without a byte order mark, quoted
 * fields holding delimiters, quotes and line breaks, LF or CRLF line ends, empty lines
 * skipped, rows of any length (the caller compares them with the header).
 */
export async function* readCsvRecords(stream: Readable, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = stream.pipe(
    parse({
      delimiter,
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      record_delimiter: ["\r\n", "\n"],
    }),
  );
  stream.on("error", (error) => parser.destroy(error));
  // csv-parse's own line count takes a CRLF inside a quoted field for two lines, so lines
  // are counted here: a record starts where the previous one ended, past the empty lines
  // skipped in between, and spans the line breaks kept in its fields.
  let nextLine = 1;
  let emptyBefore = 0;
  try {
    for await (const parsed of parser as AsyncIterable<ParsedRecord>) {
      const emptyLines = parsed.info.empty_lines;
      const line = nextLine + (emptyLines - emptyBefore);
      yield { cells: parsed.record, line };
      nextLine = line + lineBreaks(parsed.record) + 1;
      emptyBefore = emptyLines;
    }
  } catch (error) {
    if (error instanceof CsvError) throw new CsvSyntaxError(error.message, nextLine + Math.max(0, emptyLinesOf(error) - emptyBefore));
    throw error;
  } finally {
    if (!stream.destroyed && stream !== process.stdin) stream.destroy();
  }
}

function lineBreaks(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  return count;
}

/** A parse error carries the parser's counters; the record it is in starts after the empty lines it counted. */
function emptyLinesOf(error: CsvError): number {
  const emptyLines = (error as CsvError & { empty_lines?: unknown }).empty_lines;
  return typeof emptyLines === "number" ? emptyLines : 0;
}
