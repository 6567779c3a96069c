import { createHash } from "node:crypto";
import type { InputKind } from "../validate/limits.js";
import type { Candidate } from "./candidate.js";

/** One candidate per URL line; `#` starts a comment line. */
export async function* listUrls(lines: AsyncIterable<string>, declaredKind?: InputKind): AsyncGenerator<Candidate> {
  for await (const line of lines) {
    if (line.startsWith("#")) continue;
    yield {
      source: line,
      relPath: line,
      content: { kind: "url", url: line, declaredKind },
      fingerprint: createHash("sha256").update(`${declaredKind ?? ""} ${line}`).digest("hex").slice(0, 16),
    };
  }
}
