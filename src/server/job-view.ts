import type { InputsAddJob } from "../gen/clarifai/api/resources.js";
import { extractionFromRow } from "./extraction/extraction-view.js";
import type { Store } from "./store.js";
import { type JobRow, jobFromRow } from "./store/jobs-table.js";
import type { Scope } from "./store/rows.js";
import { uploadFromRow } from "./uploads/upload-view.js";

/** An inputs-add job with its extraction jobs and uploads, its status accounting for both. */
export function describeJob(store: Store, scope: Scope, row: JobRow): InputsAddJob {
  return jobFromRow(row, {
    extractionJobs: store.extractions.byJob(scope, row.id).map(extractionFromRow),
    uploads: store.uploads.byJob(scope, row.id).map((u) => uploadFromRow(u, store.uploads.parts(u.seq))),
    activity: store.jobActivity(scope, row.id),
  });
}
