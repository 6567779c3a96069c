import { idFromName, idSourceText, shardOf } from "../plan/ids.js";
import type { Candidate } from "../sources/candidate.js";
import type { CandidateGroups } from "../sources/groups.js";
import type { EventBus } from "./events.js";
import { IO_BREAK_MS, IoBreaks } from "./io-breaks.js";
import type { JobState } from "./joblog.js";
import type { UploadPlan } from "./plan.js";
import type { InputRecord } from "./joblog.js";
import { previousState, type PreviousState } from "./previous-state.js";

/** A candidate this run goes on with, and what the job log says of it. */
export interface Discovered {
  candidate: Candidate;
  /** Its id, when known before validation (with --id-from hash, only after it). */
  id?: string;
  /**
   * It failed processing on the server before: the count of those failures goes with it,
   * and with `replacesFailed` the input under its id is deleted before it is sent again.
   */
  retry?: { processingFailures: number; replacesFailed: boolean };
}

/**
 * The first stage: takes the source's candidates, keeps this shard's, and settles from
 * the job log what needs no sending (acknowledged and unchanged, kept, or failed
 * processing as often as allowed). A dry run also settles here what changed since it
 * was acknowledged: it cannot ask the server. Works, and passes candidates on, a group
 * at a time.
 */
export async function* discover(plan: UploadPlan, candidates: CandidateGroups, bus: EventBus, state: JobState | undefined, stopped: () => boolean, dryRun: boolean): AsyncGenerator<Discovered[]> {
  const breaks = new IoBreaks(IO_BREAK_MS);
  // Inputs re-sent by `status --retry` are this shard's already, whatever their ids hash to.
  const sharded = plan.shard && !plan.resend ? plan.shard : undefined;
  let count = 0;
  for await (const group of candidates) {
    // With --shard, this shard's candidates and their ids; otherwise the group as it is.
    let ours = group;
    let ids: Array<string | undefined> | undefined;
    if (sharded) {
      const all = group.map((candidate) => provisionalId(plan, candidate));
      const mine = group.map((candidate, i) => shardOf(all[i] ?? candidate.relPath, sharded.count) === sharded.index);
      ours = group.filter((_, i) => mine[i]);
      ids = all.filter((_, i) => mine[i]);
    }
    const glances = state ? state.latest.glanceMany(ours.map((candidate) => candidate.source)) : undefined;
    // What was seen before is compared by its fingerprint: the files are stat'ed here, one
    // after another (a re-run of a million files took 3% less time than with a stat each
    // amid the work on it).
    if (glances) for (let i = 0; i < ours.length; i++) if (glances[i]) void ours[i]!.fingerprint;
    // Passed on a group at a time: each stage between costs promises per item it passes.
    const passed: Discovered[] = [];
    for (let i = 0; i < ours.length; i++) {
      const candidate = ours[i]!;
      const wait = breaks.due();
      if (wait) await wait;
      if (stopped()) break;
      count++;
      bus.emit({ type: "discovered", source: candidate.source });
      const { source } = candidate;
      const glance = glances?.[i];
      const [, seenFingerprint, presentId] = glance ?? UNSEEN;
      // The whole record is read only when a glance does not settle the input (most of a no-change re-run is settled by one).
      // `status --retry` sends what it found missing or failed (and deleted), whatever the log says, keeping the count of failures.
      // A file never seen before is not stat'ed here: its first read does that.
      const earlier: PreviousState = plan.resend
        ? retryState(glance && state?.latest.get(source), plan.maxProcessingAttempts)
        : !glance
          ? NEW
          : presentId && seenFingerprint === candidate.fingerprint
            ? { kind: "settled", status: "present", id: presentId }
            : previousState(state?.latest.get(source), candidate.fingerprint, plan.maxProcessingAttempts, plan.idConflict, ids ? ids[i] : provisionalId(plan, candidate));
      switch (earlier.kind) {
        case "settled":
          if (earlier.status === "present") bus.emit({ type: "skipped", id: earlier.id, source });
          else bus.emit({ type: "input", id: earlier.id, source, status: "kept", reason: "unchanged_since_last_run", bytes: 0, fromLog: true });
          continue;
        case "gave_up": {
          const message = `${source}: input ${earlier.id} failed processing ${earlier.failures} time(s), as many as --max-processing-attempts allows; not sent again (${earlier.description})`;
          bus.emit({ type: "input", id: earlier.id, source, status: "failed", reason: "processing_failed", message, bytes: 0, candidate, fromLog: true });
          continue;
        }
        case "changed":
          if (!dryRun) break;
          bus.emit({ type: "input", id: earlier.id, source, status: "conflict", reason: "changed_since_acknowledged", message: `${source}: changed since input ${earlier.id} was acknowledged; a real run sends it under --id-conflict`, bytes: 0, candidate });
          continue;
        case "conflicted":
          if (!dryRun) break;
          bus.emit({ type: "input", id: earlier.id, source, status: "conflict", reason: "id_conflict", message: `${earlier.message} (as found by the last run; a real run asks the server again, under --id-conflict)`, bytes: 0, candidate });
          continue;
        case "reprocess":
          passed.push({ candidate, id: earlier.id, retry: { processingFailures: earlier.failures, replacesFailed: !earlier.gone } });
          continue;
        case "annotate":
          if (dryRun) {
            bus.emit({ type: "input", id: earlier.id, source, status: "present", reason: "regions_to_post", message: `${source}: input ${earlier.id} is on the server; a real run sends it again to post its regions not stored yet or changed since`, bytes: 0, candidate });
            continue;
          }
          passed.push({ candidate, id: earlier.id });
          continue;
      }
      // Made only now: on a re-run most inputs are settled above, and need no id.
      passed.push({ candidate, id: ids ? ids[i] : provisionalId(plan, candidate) });
    }
    if (passed.length > 0) yield passed;
    if (stopped()) break;
  }
  bus.emit({ type: "walk_done", discovered: count });
}

const NEW: PreviousState = { kind: "new" };
const UNSEEN: readonly [] = [];

/** What `status --retry` does with an input: send it again, unless it failed processing as often as allowed. */
function retryState(record: InputRecord | undefined, maxProcessingAttempts: number): PreviousState {
  const failures = record?.type === "processing_failed" ? record.attempts : record?.type === "ack" || record?.type === "missing" ? (record.processingFailures ?? 0) : 0;
  if (record?.type === "processing_failed" && failures >= maxProcessingAttempts) return { kind: "gave_up", id: record.id, failures, description: record.description };
  // What failed processing is deleted as it is sent again; what `status` found gone is only sent.
  if (failures === 0 || !record?.id) return { kind: "new" };
  return record.type === "missing" ? { kind: "reprocess", id: record.id, failures, gone: true } : { kind: "reprocess", id: record.id, failures };
}

/** The id an input gets before validation (with --id-from hash, only after it). */
function provisionalId(plan: UploadPlan, candidate: Candidate): string | undefined {
  return candidate.id ?? (plan.idFrom === "hash" ? undefined : idFromName(idSourceText(candidate.relPath, plan.idFrom), plan.idPrefix));
}
