import type { IdConflictPolicy } from "./conflicts.js";
import type { InputRecord } from "./joblog.js";

/** What the job log's latest record of a source means for this run. */
export type PreviousState =
  /** Never acknowledged (or it failed, was rejected or conflicted, not after failing processing): goes through as new. */
  | { kind: "new" }
  /** Acknowledged with the same fingerprint: nothing to send. */
  | { kind: "settled"; status: "present" | "kept"; id: string }
  /** Acknowledged, but the file changed since: sent again under the rule for taken ids. */
  | { kind: "changed"; id: string }
  /** Acknowledged, but some of its regions were not stored, or its regions changed since: sent again under its id to post them. */
  | { kind: "annotate"; id: string }
  /** The platform failed to process it: delete it (unless it is `gone` already) and send it again under its id. */
  | { kind: "reprocess"; id: string; failures: number; gone?: true }
  /** It failed processing `failures` times, as many as allowed: reported, not sent again. */
  | { kind: "gave_up"; id: string; failures: number; description: string }
  /** Unchanged since the server held other content under its id: a real run asks again, as for a new input. */
  | { kind: "conflicted"; id: string; message: string };

/**
 * Decides from the latest record of a source, and the fingerprint it has now, what this
 * run does with it (under the run's --id-conflict). A changed file replaces an input whose processing failed (what the
 * server holds under its id is of no use) and starts its count of attempts again.
 *
 * `ownId` is the id the candidate gets now, when known before validation. A source whose
 * content changed and whose id changed with it is another input in the same place (a
 * manifest's line that now holds another row): the record is not of it, and it is new.
 */
export function previousState(record: InputRecord | undefined, fingerprint: string, maxProcessingAttempts: number, idConflict: IdConflictPolicy = "fail", ownId?: string): PreviousState {
  if (record === undefined || record.id === undefined) return { kind: "new" };
  // The content is compared apart from the regions: edited regions of the same file are no new content.
  const was = splitFingerprint(record.fingerprint);
  const now = splitFingerprint(fingerprint);
  const sameContent = was.content === now.content;
  if (!sameContent && ownId !== undefined && !isIdOf(ownId, record.id)) return { kind: "new" };
  if (record.type === "ack") {
    // Kept by --id-conflict skip: the server holds other content, so another policy is applied afresh.
    if (!sameContent || (record.status === "kept" && idConflict !== "skip")) return { kind: "changed", id: record.id };
    // Sent again under its id: the server finds it present, and its regions are posted (those
    // already there are found so). Compared only when both runs read regions: a record without
    // a digest (a run without --annotations or --sidecars, or a version before 0.1.1) stands.
    if (record.annotationsPending || (was.regions !== undefined && now.regions !== undefined && was.regions !== now.regions)) return { kind: "annotate", id: record.id };
    return { kind: "settled", status: record.status === "kept" ? "kept" : "present", id: record.id };
  }
  if (record.type === "missing") {
    // `status` found it gone from the server: sent again, its processing failures still counted.
    const failures = sameContent ? (record.processingFailures ?? 0) : 0;
    return failures > 0 ? { kind: "reprocess", id: record.id, failures, gone: true } : { kind: "new" };
  }
  if (record.type === "processing_failed") {
    if (!sameContent) return { kind: "reprocess", id: record.id, failures: 0 };
    if (record.attempts >= maxProcessingAttempts) return { kind: "gave_up", id: record.id, failures: record.attempts, description: record.description };
    return { kind: "reprocess", id: record.id, failures: record.attempts };
  }
  // Sent again after failing processing, then not acknowledged: what the server holds
  // under its id may still be what failed, and the failures still count.
  if (record.processingFailures) return { kind: "reprocess", id: record.id, failures: sameContent ? record.processingFailures : 0 };
  if (record.type === "conflict" && sameContent) return { kind: "conflicted", id: record.id, message: record.message };
  return { kind: "new" };
}

/** `recorded` is `id`, or `id` with the suffix a collision within a run added to it. */
function isIdOf(id: string, recorded: string): boolean {
  return recorded === id || recorded.startsWith(`${id}-`);
}

/** What a fingerprint says of an input's content, and of the regions the annotation files and sidecars give it (`withRegions`). */
export function splitFingerprint(fingerprint: string): { content: string; regions?: string } {
  const at = fingerprint.indexOf(REGIONS_MARK);
  return at < 0 ? { content: fingerprint } : { content: fingerprint.slice(0, at), regions: fingerprint.slice(at + REGIONS_MARK.length) };
}

/** A fingerprint with the digest of the input's regions: an edit of them is seen by the next run. */
export function withRegions(fingerprint: string, regionsDigest: string): string {
  return `${fingerprint}${REGIONS_MARK}${regionsDigest}`;
}

/** Where the regions digest starts in a fingerprint (no other part of one holds a "|"). */
const REGIONS_MARK = "|regions:";
