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

/**
 * Streams the records of a CSV/TSV file: UTF-8 with or without a byte order mark, quoted
 * fields holding delimiters, quotes and line breaks, LF or CRLF line ends, rows of any
 * length (the caller compares them with the header). An empty line is a record of one
 * empty cell.
 */
export async function* readCsvRecords(stream: Readable, delimiter: string): AsyncGenerator<CsvRecord> {
  const parser = stream.pipe(
    parse({
      delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      record_delimiter: ["\r\n", "\n"],
    }),
  );
  stream.on("error", (error) => parser.destroy(error));
  // Lines are counted here, not by csv-parse (its count takes a CRLF inside a quoted field
  // for two lines): a record starts where the previous one ended and spans the line
  // breaks kept in its fields.
  let line = 1;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      yield { cells, line };
      line += lineBreaks(cells) + 1;
    }
  } catch (error) {
    if (error instanceof CsvError) throw new CsvSyntaxError(error.message, line);
    throw error;
  } finally {
    if (!stream.destroyed && stream !== process.stdin) stream.destroy();
  }
}

function lineBreaks(cells: readonly string[]): number {
  let count = 0;
  for (const cell of cells) {
    if (cell.length > 0 && (cell.includes("\n") || cell.includes("\r"))) count += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return count;
}
