import { Input, type InputsExtractionJob } from "../../gen/clarifai/api/resources.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { status } from "../status.js";
import { type ExtractionRow, parseProblems } from "../store/extractions-table.js";

/** The extraction job as the API shows it; status.details sums up what it did. */
export function extractionFromRow(row: ExtractionRow): InputsExtractionJob {
  return {
    status: status(row.status_code as StatusCode, failure(row), details(row)),
    id: row.id,
    url: row.url,
    progress: {
      audioInputsCount: row.audio_count,
      imageInputsCount: row.image_count,
      videoInputsCount: row.video_count,
      textInputsCount: row.text_count,
      pendingArchivesCount: row.archives_pending,
      inProgressArchivesCount: row.archives_in_progress,
      completedArchivesCount: row.archives_completed,
      failedArchivesCount: row.archives_failed,
    },
    createdAt: new Date(row.created_ms),
    modifiedAt: new Date(row.modified_ms),
    inputIdConflictResolution: row.conflict,
    inputTemplate: row.template === null ? undefined : Input.decode(row.template),
  };
}

/** A failed job says why in its description. */
function failure(row: ExtractionRow): string | undefined {
  return row.status_code === StatusCode.JOB_FAILED && row.status_details !== ""
    ? `Job failed: ${row.status_details}`
    : undefined;
}

function details(row: ExtractionRow): string {
  const created = row.image_count + row.video_count + row.text_count + row.audio_count;
  const facts: string[] = [];
  if (row.status_details !== "") facts.push(row.status_details);
  if (created + row.duplicates + row.rejected + row.archives_failed > 0) {
    facts.push(`${created} input(s) created`);
  }
  if (row.duplicates > 0) facts.push(`${row.duplicates} skipped: an input with the same id already exists`);
  if (row.rejected > 0) facts.push(`${row.rejected} file(s) could not become inputs`);
  if (row.archives_failed > 0) facts.push(`${row.archives_failed} archive(s) not extracted`);
  const problems = parseProblems(row.problems);
  if (problems.length > 0) facts.push(`first problems: ${problems.join("; ")}`);
  return facts.join("; ");
}
