import type { Region } from "../gen/clarifai/api/resources.js";
import { shortHash, shortHashOfChunks } from "../plan/ids.js";
import type { Candidate } from "../sources/candidate.js";
import { validate, validateNow, type Accepted, type Rejected } from "../validate/validate.js";
import type { Discovered } from "./discover.js";
import { IO_BREAK_MS, IoBreaks } from "./io-breaks.js";
import { mapInOrder } from "./map-concurrent.js";
import type { UploadPlan } from "./plan.js";
import { applyTransform } from "./transform.js";

/** A candidate after validation (and the transform): a verdict, or left out on purpose. */
export type Checked =
  | { verdict: Accepted | Rejected; id?: string; regions?: Region[]; regionProblems?: string[]; retry?: Discovered["retry"] }
  | { skipped: Candidate; id: string }
  | { transformError: Candidate; message: string; id: string };

const VALIDATION_CONCURRENCY = 16;

/**
 * The second stage: validates each group of candidates 16 at a time, makes content-hash
 * ids, applies the transform, and finds each accepted input's regions. A group is passed
 * on whole, in its order, once each of its candidates is checked.
 */
export async function* check(plan: UploadPlan, discovered: AsyncIterable<readonly Discovered[]>): AsyncGenerator<Checked[]> {
  const breaks = new IoBreaks(IO_BREAK_MS);
  // Without a transform or annotations, what the head of a small file decides is decided at
  // once: no promise per file, which is most of what checking a small file costs.
  const atOnce = !plan.transform && !plan.annotations;
  for await (const group of discovered) {
    const checked: Checked[] = new Array(group.length);
    const later: number[] = [];
    for (let i = 0; i < group.length; i++) {
      // Small files are read and checked synchronously: pending I/O gets its turn between them.
      const wait = breaks.due();
      if (wait) await wait;
      const { candidate, id, retry } = group[i]!;
      const verdict = atOnce && id !== undefined ? validateNow(candidate) : undefined;
      if (verdict === undefined) later.push(i);
      else checked[i] = withRetry({ verdict, id }, retry);
    }
    if (later.length > 0) {
      const results = await mapInOrder(later, VALIDATION_CONCURRENCY, async (i): Promise<Checked> => {
        const wait = breaks.due();
        if (wait) await wait;
        const { candidate, id, retry } = group[i]!;
        return withRetry(await checkOne(plan, candidate, id), retry);
      });
      later.forEach((i, k) => (checked[i] = results[k]!));
    }
    yield checked;
  }
}

function withRetry(checked: Checked, retry: Discovered["retry"]): Checked {
  return retry && "verdict" in checked ? { ...checked, retry } : checked;
}

async function checkOne(plan: UploadPlan, candidate: Candidate, id: string | undefined): Promise<Checked> {
  const verdict = await validate(candidate);
  if (verdict.status === "rejected") return { verdict, id };
  let finalId = id;
  if (finalId === undefined) {
    try {
      finalId = plan.idPrefix + (await contentHash(verdict));
    } catch (error) {
      return { verdict: { status: "rejected", candidate, reason: "unreadable", message: `${candidate.source}: ${(error as Error).message}` }, id };
    }
  }
  let result: Checked = { verdict, id: finalId };
  if (plan.transform) {
    const transformed = await applyTransform(plan.transform, verdict, finalId, plan.defaults);
    if (transformed.kind === "skip") return { skipped: candidate, id: finalId };
    if (transformed.kind === "error") return { transformError: candidate, message: transformed.message, id: finalId };
    result = { verdict: await validate(transformed.candidate), id: transformed.id };
  }
  if (plan.annotations && "verdict" in result && result.verdict.status === "accepted") {
    const { regions, problems } = await plan.annotations.regionsFor(result.verdict);
    result = { ...result, regions, regionProblems: problems };
  }
  return result;
}

async function contentHash(accepted: Accepted): Promise<string> {
  const content = accepted.candidate.content;
  if (content.kind === "url") return shortHash(content.url, 32);
  if (content.kind === "text") return shortHash(content.text, 32);
  // In chunks: validation runs 16 at a time, and 16 large files read whole for their hash would not fit in memory.
  return shortHashOfChunks(content.bytes.chunks(), 32);
}
