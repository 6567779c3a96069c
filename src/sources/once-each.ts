import { ClaimedIds } from "../plan/claimed-ids.js";
import type { Candidate } from "./candidate.js";

/**
 * A list's candidates with each source once: a path or URL listed again is one input,
 * and `onRepeat` hears of the repeat. The job's log keeps one state per source, so a
 * second input from one source would be sent but never accounted for. The sources seen
 * are kept as the run's ids are, in memory that does not grow with the list.
 */
export async function* onceEach(candidates: AsyncIterable<Candidate>, onRepeat: (source: string) => void): AsyncGenerator<Candidate> {
  const seen = new ClaimedIds();
  try {
    for await (const candidate of candidates) {
      if (seen.has(candidate.source)) {
        onRepeat(candidate.source);
        continue;
      }
      seen.add(candidate.source);
      yield candidate;
    }
  } finally {
    seen.close();
  }
}
