import type { Readable } from "node:stream";

/**
 * Splits a stream into records: lines (CRLF or LF), or NUL-terminated with `nul`.
 * Empty records are dropped. Yields as data arrives, so a pipeline can start at once.
 */
export async function* readRecords(stream: Readable, nul = false): AsyncGenerator<string> {
  const separator = nul ? "\0" : "\n";
  let pending = "";
  stream.setEncoding("utf8");
  for await (const chunk of stream as AsyncIterable<string>) {
    pending += chunk;
    let index: number;
    while ((index = pending.indexOf(separator)) !== -1) {
      const record = clean(pending.slice(0, index), nul);
      pending = pending.slice(index + 1);
      if (record !== "") yield record;
    }
  }
  const last = clean(pending, nul);
  if (last !== "") yield last;
}

function clean(record: string, nul: boolean): string {
  return nul ? record : record.replace(/\r$/, "").trim();
}
