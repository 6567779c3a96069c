import type { Data } from "../../gen/clarifai/api/resources.js";
import {
  type DeleteInputsRequest,
  type GetInputCountRequest,
  type GetInputRequest,
  type ListInputsRequest,
  MultiInputResponse,
  SingleInputCountResponse,
  SingleInputResponse,
} from "../../gen/clarifai/api/service.js";
import { BaseResponse } from "../../gen/clarifai/api/status/status.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { ok, status } from "../status.js";
import type { Store } from "../store.js";
import type { BlobStore } from "../store/blobs.js";
import { decodeData, type InputRow, inputFromRow, pageWindow } from "../store/rows.js";
import type { Route } from "./route.js";

/**
 * GetInput answers the input with its bytes (data.image.base64 ... and
 * data.text.raw); not found -> CONN_DOES_NOT_EXIST (11101).
 */
export function getInputRoute(store: Store): Route<GetInputRequest, SingleInputResponse> {
  return {
    reply: (s) => SingleInputResponse.fromPartial({ status: s }),
    async handle({ request, scope }) {
      const row = store.inputs.get(scope, request.inputId);
      if (row === undefined) {
        return SingleInputResponse.fromPartial({
          status: status(StatusCode.CONN_DOES_NOT_EXIST, undefined, `input '${request.inputId}' not found`),
        });
      }
      const data = await withPayload(row, store.blobs);
      const datasets = store.datasets.memberships(scope, [row.id]).get(row.id) ?? [];
      return { status: ok(), input: inputFromRow(row, datasets, data) };
    },
  };
}

/**
 * ListInputs, newest first, filtered by `ids` and by `status.code`, paged
 * (page 1, 128 per page by default). Inputs come without their bytes.
 */
export function listInputsRoute(store: Store): Route<ListInputsRequest, MultiInputResponse> {
  return {
    reply: (s) => MultiInputResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const rows = store.inputs.list(scope, {
        ids: request.ids,
        statusCode: request.status?.code,
        ...pageWindow(request.page, request.perPage),
      });
      const memberships = store.datasets.memberships(
        scope,
        rows.map((r) => r.id),
      );
      return {
        status: ok(),
        inputs: rows.map((row) => inputFromRow(row, memberships.get(row.id) ?? [])),
        inputsAddJob: undefined,
      };
    },
  };
}

/** DeleteInputs: unknown ids are ignored, an empty list is fine; always SUCCESS. */
export function deleteInputsRoute(store: Store): Route<DeleteInputsRequest, BaseResponse> {
  return {
    reply: (s) => BaseResponse.fromPartial({ status: s }),
    async handle({ request, scope }) {
      const { deleted, refs, unusedFiles } = store.deleteInputs(scope, request.ids);
      store.blobs.forget(refs);
      await store.blobs.removeFiles(unusedFiles);
      return { status: ok(`${deleted} input(s) deleted`) };
    },
  };
}

/** GetInputCount: processed (30000), to_process (30001), processing (30003), errors (30002). */
export function getInputCountRoute(store: Store): Route<GetInputCountRequest, SingleInputCountResponse> {
  return {
    reply: (s) => SingleInputCountResponse.fromPartial({ status: s }),
    handle({ scope }) {
      const counts = store.inputs.countsByStatus(scope);
      const n = (code: StatusCode): number => counts.get(code) ?? 0;
      return {
        status: ok(),
        counts: {
          processed: n(StatusCode.INPUT_SUCCESS),
          toProcess: n(StatusCode.INPUT_PENDING),
          errors: n(StatusCode.INPUT_FAILED),
          processing: n(StatusCode.INPUT_IN_PROGRESS),
        },
      };
    },
  };
}

async function withPayload(row: InputRow, blobs: BlobStore): Promise<Data> {
  const data = decodeData(row.data);
  if (row.media_blob !== null && row.kind !== null) {
    const field = data[row.kind];
    if (field !== undefined) field.base64 = await blobs.read(row.media_blob);
  }
  if (row.text_blob !== null && data.text !== undefined) {
    data.text.raw = (await blobs.read(row.text_blob)).toString("utf8");
  }
  return data;
}
