import {
  type GetDatasetRequest,
  type ListDatasetsRequest,
  MultiDatasetInputResponse,
  MultiDatasetResponse,
  type PostDatasetInputsRequest,
  type PostDatasetsRequest,
  SingleDatasetResponse,
} from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { idRuleText, isValidId } from "../ids.js";
import { ok, status } from "../status.js";
import type { Store } from "../store.js";
import { pageWindow } from "../store/rows.js";
import type { Route } from "./route.js";

/**
 * PostDatasets creates all the datasets or none: a missing or invalid id, an id
 * repeated in the request or one that already exists -> FAILURE (10020) with a
 * description naming it.
 */
export function postDatasetsRoute(store: Store): Route<PostDatasetsRequest, MultiDatasetResponse> {
  return {
    reply: (s) => MultiDatasetResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const fail = (description: string): MultiDatasetResponse =>
        MultiDatasetResponse.fromPartial({ status: status(StatusCode.FAILURE, description) });
      if (request.datasets.length === 0) return fail("the request has no datasets");
      const seen = new Set<string>();
      for (const dataset of request.datasets) {
        if (!isValidId(dataset.id)) return fail(idRuleText("dataset id", dataset.id));
        if (seen.has(dataset.id)) return fail(`dataset id '${dataset.id}' appears more than once in this request`);
        seen.add(dataset.id);
      }
      const { existing } = store.createDatasets(
        scope,
        request.datasets.map((d) => ({ id: d.id, description: d.description, notes: d.notes, metadata: d.metadata })),
      );
      if (existing.length > 0) return fail(`dataset '${existing[0] ?? ""}' already exists`);
      const datasets = request.datasets.map((d) => store.datasets.get(scope, d.id)).filter((d) => d !== undefined);
      return { status: ok(), datasets };
    },
  };
}

/** GetDataset; not found -> CONN_DOES_NOT_EXIST (11101). */
export function getDatasetRoute(store: Store): Route<GetDatasetRequest, SingleDatasetResponse> {
  return {
    reply: (s) => SingleDatasetResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const dataset = store.datasets.get(scope, request.datasetId);
      if (dataset === undefined) {
        return SingleDatasetResponse.fromPartial({
          status: status(StatusCode.CONN_DOES_NOT_EXIST, undefined, `dataset '${request.datasetId}' not found`),
        });
      }
      return { status: ok(), dataset };
    },
  };
}

/** ListDatasets, newest first, paged. */
export function listDatasetsRoute(store: Store): Route<ListDatasetsRequest, MultiDatasetResponse> {
  return {
    reply: (s) => MultiDatasetResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const { limit, offset } = pageWindow(request.page, request.perPage);
      return { status: ok(), datasets: store.datasets.list(scope, limit, offset) };
    },
  };
}

/**
 * PostDatasetInputs adds existing inputs to an existing dataset (adding a
 * member again is fine). An unknown dataset or any unknown input ->
 * CONN_DOES_NOT_EXIST (11101) and nothing is added.
 */
export function postDatasetInputsRoute(store: Store): Route<PostDatasetInputsRequest, MultiDatasetInputResponse> {
  return {
    reply: (s) => MultiDatasetInputResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const missing = (details: string): MultiDatasetInputResponse =>
        MultiDatasetInputResponse.fromPartial({ status: status(StatusCode.CONN_DOES_NOT_EXIST, undefined, details) });
      if (store.datasets.get(scope, request.datasetId) === undefined) {
        return missing(`dataset '${request.datasetId}' not found`);
      }
      const ids = [...new Set(request.datasetInputs.map((d) => d.input?.id ?? ""))];
      const existing = store.inputs.existingIds(scope, ids);
      const absent = ids.filter((id) => !existing.has(id));
      if (absent.length > 0) {
        return missing(`input(s) not found: ${absent.slice(0, 10).map((id) => `'${id}'`).join(", ")}`);
      }
      const createdMs = store.addDatasetInputs(scope, request.datasetId, ids);
      return {
        status: ok(),
        datasetInputs: ids.map((id) => ({
          createdAt: new Date(createdMs),
          input: {
            id,
            data: undefined,
            createdAt: undefined,
            modifiedAt: undefined,
            status: undefined,
            datasetIds: [request.datasetId],
          },
        })),
      };
    },
  };
}
