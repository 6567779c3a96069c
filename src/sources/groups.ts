import type { Candidate } from "./candidate.js";
import { chunked } from "./chunked.js";

/**
 * What a source hands on: its candidates a group at a time. Every stage an item passes
 * alone costs it a promise or two (about a microsecond); a group pays that once.
 */
export type CandidateGroups = AsyncIterable<Candidate[]>;

/** Candidates in one group at most: the job's index is asked about a group in one query. */
export const GROUP_SIZE = 256;

/** A slow source (a list typed at a terminal, a pipe) hands on what it has after this long, not a full group. */
const GROUP_WAIT_MS = 20;

/** The candidates of a source that finds them one at a time, in groups. */
export function inGroups(candidates: AsyncIterable<Candidate>): CandidateGroups {
  return chunked(candidates, GROUP_SIZE, GROUP_WAIT_MS);
}

/**
 * Each candidate of each group through `keep`, which returns what goes on in its place,
 * or undefined to drop it. Groups left empty are not handed on.
 */
export async function* keepEach(groups: CandidateGroups, keep: (candidate: Candidate) => Candidate | undefined | Promise<Candidate | undefined>): CandidateGroups {
  for await (const group of groups) {
    const kept: Candidate[] = [];
    for (const candidate of group) {
      const result = keep(candidate);
      const value = result instanceof Promise ? await result : result;
      if (value !== undefined) kept.push(value);
    }
    if (kept.length > 0) yield kept;
  }
}
