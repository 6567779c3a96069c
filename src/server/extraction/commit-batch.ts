import { InputIDConflictResolution } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import type { AddOutcome, PlannedInput, Store } from "../store.js";
import { writePayloads } from "../write-payloads.js";
import type { ExtractionBatch } from "./batch.js";

/** A terminal status to set in the same transaction as the last batch. */
export interface Finish {
  code: StatusCode.JOB_COMPLETED | StatusCode.JOB_FAILED;
  details: string;
}

/**
 * Commits a batch of an extraction job in one transaction: creates its inputs
 * in the job's inputs-add job (pending; duplicates refused or suffixed as the
 * job's input_id_conflict_resolution says), counts refused duplicates and
 * rejected files as failed in the inputs-add job, moves the extraction's
 * counters and resume point, and sets `finish` if given. Nothing is committed
 * when the extraction is no longer running (cancelled meanwhile): answers false.
 */
export async function commitBatch(
  store: Store,
  seq: number,
  batch: ExtractionBatch,
  finish?: Finish,
): Promise<{ committed: boolean; created: number }> {
  const planned = await writePayloads(
    batch.items.map((item) => ({ input: item.input, verdict: item.verdict })),
    store,
  );
  const refsOf = (p: PlannedInput): string[] => [p.mediaBlob, p.textBlob].filter((b): b is string => b !== null);
  const dropPack = async (): Promise<void> => {
    store.blobs.forget(planned.flatMap(refsOf));
    const file = planned.find((p) => p.blobFile !== null)?.blobFile;
    if (file !== undefined && file !== null) await store.blobs.removeFiles([file]);
  };

  let outcomes: AddOutcome[] | null;
  try {
    outcomes = store.transaction(() => {
      const row = store.extractions.bySeq(seq);
      if (row === undefined || row.status_code !== StatusCode.JOB_RUNNING) return null;
      const scope = { userId: row.user_id, appId: row.app_id };
      const suffix = row.conflict === InputIDConflictResolution.SUFFIX;
      const added = planned.length === 0 ? [] : store.addInputs(scope, row.job_id, planned, suffix).outcomes;
      const counts = { image: 0, video: 0, text: 0, audio: 0 };
      const problems = [...batch.problems];
      let duplicates = 0;
      added.forEach((outcome, i) => {
        const item = batch.items[i];
        if (item === undefined) return;
        if (outcome.ok) counts[item.kind]++;
        else {
          duplicates++;
          if (problems.length < 10) problems.push(`${item.key}: ${outcome.description}`);
        }
      });
      const failed = duplicates + batch.rejected;
      const nowMs = Date.now();
      if (failed > 0) store.jobs.apply(scope, row.job_id, { failed }, nowMs);
      store.extractions.advance(
        row,
        {
          ...counts,
          archivesPending: batch.archives.pending,
          archivesInProgress: batch.archives.inProgress,
          archivesCompleted: batch.archives.completed,
          archivesFailed: batch.archives.failed,
          duplicates,
          rejected: batch.rejected,
          problems,
          posFile: batch.posFile,
          posEntry: batch.posEntry,
        },
        nowMs,
      );
      if (finish !== undefined) store.extractions.setStatus(seq, finish.code, finish.details, nowMs);
      return added;
    });
  } catch (error) {
    await dropPack().catch(() => undefined);
    throw error;
  }
  if (outcomes === null) {
    await dropPack();
    return { committed: false, created: 0 };
  }
  const created = outcomes.filter((o) => o.ok).length;
  outcomes.forEach((outcome, i) => {
    const p = planned[i];
    if (!outcome.ok && p !== undefined) store.blobs.forget(refsOf(p));
  });
  if (created === 0 && planned.length > 0) await dropPack();
  return { committed: true, created };
}
