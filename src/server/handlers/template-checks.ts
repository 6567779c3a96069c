import { Input, InputIDConflictResolution } from "../../gen/clarifai/api/resources.js";

/**
 * Why an input_template (of a data source or an upload) cannot be applied, or
 * null. Every generated input gets its own id and its own bytes, so the
 * template may set neither; its datasets must exist and its concepts need ids.
 */
export function templateProblem(template: Input | undefined, knownDatasets: ReadonlySet<string>): string | null {
  if (template === undefined) return null;
  if (template.id !== "") {
    return `input_template.id is '${template.id}': leave it empty, each extracted input gets its own id`;
  }
  const data = template.data;
  if (data !== undefined) {
    const carried = (["image", "video", "audio", "text"] as const).filter((k) => data[k] !== undefined);
    if (carried.length > 0) {
      return (
        `input_template.data.${carried[0] ?? ""} is set: a template carries no content, ` +
        "only dataset_ids, concepts, metadata and geo"
      );
    }
    const unnamed = data.concepts.findIndex((c) => c.id === "");
    if (unnamed >= 0) return `concept ${unnamed + 1} of input_template has no id`;
  }
  for (const datasetId of template.datasetIds) {
    if (!knownDatasets.has(datasetId)) return `dataset '${datasetId}' of input_template does not exist in this app`;
  }
  return null;
}

/** The template as stored with a job (null when there is none). */
export function encodeTemplate(template: Input | undefined): Buffer | null {
  if (template === undefined) return null;
  const bytes = Input.encode(template).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Whether an input_id_conflict_resolution value is one the server knows. */
export function isConflictResolution(value: number): boolean {
  return (
    value === InputIDConflictResolution.INPUT_ID_CONFLICT_RESOLUTION_NOT_SET ||
    value === InputIDConflictResolution.SKIP ||
    value === InputIDConflictResolution.SUFFIX
  );
}

export function conflictRuleText(value: number): string {
  return `input_id_conflict_resolution ${value} is not one of NOT_SET (0), SKIP (1), SUFFIX (2)`;
}
