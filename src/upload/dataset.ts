import { ApiError, type ClarifaiClient } from "../api/client.js";
import { Dataset } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";

/** Makes sure the dataset exists: GetDataset, and PostDatasets when the answer is "does not exist". */
export async function ensureDataset(client: ClarifaiClient, datasetId: string): Promise<"found" | "created"> {
  try {
    await client.call("getDataset", { datasetId });
    return "found";
  } catch (error) {
    if (!(error instanceof ApiError) || error.statusCode !== StatusCode.CONN_DOES_NOT_EXIST) throw error;
  }
  await client.call("postDatasets", { datasets: [Dataset.fromPartial({ id: datasetId })] });
  return "created";
}
