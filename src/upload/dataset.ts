import { ApiError } from "../api/client.js";
import type { Caller } from "../api/caller.js";
import { Dataset } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";

/** Makes sure the dataset exists: GetDataset, and PostDatasets when the answer is "does not exist". */
export async function ensureDataset(caller: Caller, datasetId: string): Promise<"found" | "created"> {
  try {
    await caller.call("getDataset", { datasetId });
    return "found";
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode !== StatusCode.CONN_DOES_NOT_EXIST) throw error;
  }
  await caller.call("postDatasets", { datasets: [Dataset.fromPartial({ id: datasetId })] });
  return "created";
}
