import { INPUT_OVERHEAD_BYTES, type PlannedInput } from "../plan/batcher.js";
import { IdRegistry, idFromName } from "../plan/ids.js";
import { MAX_REQUEST_BYTES_EXCLUSIVE, MiB } from "../validate/limits.js";
import type { Accepted } from "../validate/validate.js";
import type { Checked } from "./check.js";
import { DIGEST_METADATA_BYTES } from "./content-digest.js";
import type { EventBus } from "./events.js";
import type { UploadPlan } from "./plan.js";
import { metadataFor, type InputDefaults } from "./request.js";

/**
 * The third stage: reports what validation or the transform refused, and gives each
 * accepted input its final id, unique in the run, and the bytes it adds to a request
 * (an input that cannot fit in any request is rejected here). Groups in, groups out.
 */
export async function* assignIds(plan: UploadPlan, checked: AsyncIterable<readonly Checked[]>, bus: EventBus): AsyncGenerator<PlannedInput[]> {
  const registry = new IdRegistry();
  try {
    for await (const group of checked) {
      const planned = assignGroup(plan, group, bus, registry);
      if (planned.length > 0) yield planned;
    }
  } finally {
    registry.close();
  }
}

/** One group of checked candidates: the inputs to pack, in order; the rest reported. */
function assignGroup(plan: UploadPlan, checked: readonly Checked[], bus: EventBus, registry: IdRegistry): PlannedInput[] {
  const planned: PlannedInput[] = [];
  for (const result of checked) {
    if ("skipped" in result) {
      const { source } = result.skipped;
      bus.emit({ type: "input", id: result.id, source, status: "skipped", reason: "transform_skipped", message: `${source}: the transform left it out`, bytes: 0 });
      continue;
    }
    if ("transformError" in result) {
      bus.emit({ type: "input", id: result.id, source: result.transformError.source, status: "rejected", reason: "transform_error", message: result.message, bytes: 0, candidate: result.transformError });
      continue;
    }
    const { verdict, id } = result;
    const { candidate } = verdict;
    for (const problem of result.regionProblems ?? []) bus.emit({ type: "annotation_failed", source: candidate.source, message: problem });
    if (verdict.status === "rejected") {
      bus.emit({ type: "input", id, source: candidate.source, status: "rejected", reason: verdict.reason, message: verdict.message, bytes: 0, candidate });
      continue;
    }
    for (const warning of verdict.warnings) bus.emit({ type: "warning", source: candidate.source, message: warning });
    const claim = registry.claim(id ?? idFromName(candidate.relPath, plan.idPrefix), candidate.relPath);
    if (claim.collidedWith) {
      bus.emit({ type: "warning", source: candidate.source, message: `${candidate.source}: id ${claim.collidedWith} is taken by another input of this run; using ${claim.id}` });
    }
    const requestBytes = requestBytesOf(verdict, claim.id, plan.defaults);
    if (requestBytes >= MAX_REQUEST_BYTES_EXCLUSIVE) {
      const message = `${candidate.source}: with its id and metadata it needs a ${requestBytes}-byte request; a request must stay under ${MAX_REQUEST_BYTES_EXCLUSIVE / MiB} MiB`;
      bus.emit({ type: "input", id: claim.id, source: candidate.source, status: "rejected", reason: "too_large", message, bytes: 0, candidate });
      continue;
    }
    const retry = result.retry && { replacesFailed: result.retry.replacesFailed, processingFailures: result.retry.processingFailures };
    planned.push({ id: claim.id, accepted: verdict, requestBytes, regions: result.regions, ...retry });
  }
  return planned;
}

/** What an input adds to a request: its payload plus id, concepts, metadata, digest and framing. */
function requestBytesOf(accepted: Accepted, id: string, defaults: InputDefaults): number {
  const content = accepted.candidate.content;
  const payload = content.kind === "url" ? content.url.length : accepted.size;
  const metadata = JSON.stringify(metadataFor(accepted.candidate, defaults)).length;
  return payload + id.length + metadata + DIGEST_METADATA_BYTES + INPUT_OVERHEAD_BYTES;
}
