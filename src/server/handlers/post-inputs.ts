import { type Input, InputIDConflictResolution } from "../../gen/clarifai/api/resources.js";
import { MultiInputResponse, type PostInputsRequest } from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import {
  MAX_INPUTS_PER_REQUEST,
  MAX_REQUEST_BYTES_EXCLUSIVE,
  MAX_VIDEOS_PER_REQUEST,
  MiB,
} from "../../validate/limits.js";
import type { Faults } from "../faults.js";
import { describeJob } from "../job-view.js";
import { idRuleText, isValidId, randomId } from "../ids.js";
import type { Processor } from "../processor.js";
import { batchStatus, status } from "../status.js";
import type { AddOutcome, PlannedInput, Store } from "../store.js";
import { withoutPayload } from "../store/rows.js";
import { writePayloads } from "../write-payloads.js";
import { type Accepted, checkInput, type InputVerdict } from "./input-checks.js";
import type { Call, Route } from "./route.js";

export interface PostInputsDeps {
  store: Store;
  processor: Processor;
  faults: Faults;
}

/**
 * PostInputs. Request-level violations fail the whole request with
 * INPUT_INVALID_ARGUMENT (30104) and nothing is created: no inputs, more than
 * 128 inputs, a request of 128 MiB or more, more than one video, a bad
 * inputs_add_job_id. Otherwise each input is checked (input-checks.ts), may get
 * an injected transient failure (INPUT_CONNECTION_FAILED, 39996), may be a
 * duplicate (INPUT_DUPLICATE, 30100), and the rest are created INPUT_PENDING in
 * one transaction and handed to the processor. The answer is SUCCESS, MIXED_STATUS
 * or FAILURE with each input's status, plus the inputs-add job (created with a
 * random id when the request names none).
 */
export function postInputsRoute(deps: PostInputsDeps): Route<PostInputsRequest, MultiInputResponse> {
  return {
    reply: (s) => MultiInputResponse.fromPartial({ status: s }),
    handle: (call) => postInputs(call, deps),
  };
}

async function postInputs(call: Call<PostInputsRequest>, deps: PostInputsDeps): Promise<MultiInputResponse> {
  const { request, scope } = call;
  const refusal = requestProblem(request, call.requestBytes);
  if (refusal !== null) {
    return MultiInputResponse.fromPartial({ status: status(StatusCode.INPUT_INVALID_ARGUMENT, refusal) });
  }
  const known = deps.store.datasets.existing(scope, [...new Set(request.inputs.flatMap((i) => i.datasetIds))]);
  const verdicts: InputVerdict[] = await Promise.all(request.inputs.map((input) => checkInput(input, known)));
  for (let i = 0; i < verdicts.length; i++) {
    const input = request.inputs[i];
    if (input !== undefined && verdicts[i]?.ok && deps.faults.inputFails(input.id)) {
      verdicts[i] = {
        ok: false,
        code: StatusCode.INPUT_CONNECTION_FAILED,
        description: "transient failure while receiving the input (injected by --fault-input-failure); retry it",
      };
    } else if (input !== undefined && verdicts[i]?.ok && deps.faults.inputAnsweredFailed(input.id)) {
      verdicts[i] = {
        ok: false,
        code: StatusCode.INPUT_FAILED,
        description: "the input could not be added (injected by --fault-input-failed); try again",
      };
    }
  }
  const suffix = request.inputIdConflictResolution === InputIDConflictResolution.SUFFIX;
  if (!suffix) markKnownDuplicates(request.inputs, verdicts, deps.store, call);

  const accepted: { index: number; input: Input; verdict: Accepted }[] = [];
  verdicts.forEach((verdict, index) => {
    const input = request.inputs[index];
    if (verdict.ok && input !== undefined) accepted.push({ index, input, verdict });
  });
  const planned = await writePayloads(accepted, deps.store);
  const refsOf = (p: PlannedInput): string[] => [p.mediaBlob, p.textBlob].filter((b): b is string => b !== null);
  const dropPack = async (): Promise<void> => {
    deps.store.blobs.forget(planned.flatMap(refsOf));
    const file = planned.find((p) => p.blobFile !== null)?.blobFile;
    if (file !== undefined && file !== null) await deps.store.blobs.removeFiles([file]);
  };

  const jobId = request.inputsAddJobId !== "" ? request.inputsAddJobId : randomId();
  let result: ReturnType<Store["addInputs"]>;
  try {
    result = deps.store.addInputs(scope, jobId, planned, suffix);
  } catch (error) {
    await dropPack().catch(() => undefined);
    throw error;
  }
  const outcomes: (AddOutcome | undefined)[] = new Array<AddOutcome | undefined>(verdicts.length);
  result.outcomes.forEach((outcome, k) => {
    const entry = accepted[k];
    if (entry !== undefined) outcomes[entry.index] = outcome;
    const p = planned[k];
    if (!outcome.ok && p !== undefined) deps.store.blobs.forget(refsOf(p));
  });
  if (result.outcomes.some((o) => o.ok)) deps.processor.kick();
  else await dropPack();

  let failed = 0;
  const inputs = request.inputs.map((input, index): Input => {
    const outcome = outcomes[index];
    const verdict = verdicts[index];
    if (outcome?.ok === true && verdict?.ok === true) {
      return {
        id: outcome.id,
        data: verdict.data,
        createdAt: new Date(outcome.createdMs),
        modifiedAt: new Date(outcome.createdMs),
        status: status(StatusCode.INPUT_PENDING),
        datasetIds: input.datasetIds,
      };
    }
    failed++;
    const problem = outcome !== undefined && !outcome.ok ? outcome : verdict !== undefined && !verdict.ok ? verdict : null;
    return {
      id: input.id,
      data: input.data === undefined ? undefined : withoutPayload(input.data),
      createdAt: undefined,
      modifiedAt: undefined,
      status: status(problem?.code ?? StatusCode.FAILURE, problem?.description),
      datasetIds: input.datasetIds,
    };
  });
  return {
    status: batchStatus(inputs.length, failed, "inputs"),
    inputs,
    inputsAddJob: describeJob(deps.store, scope, result.job),
  };
}

/** Why the whole request is refused, or null. */
function requestProblem(request: PostInputsRequest, requestBytes: number): string | null {
  const count = request.inputs.length;
  if (count === 0) return "the request has no inputs";
  if (count > MAX_INPUTS_PER_REQUEST) {
    return `the request has ${count} inputs; at most ${MAX_INPUTS_PER_REQUEST} inputs are allowed per request`;
  }
  if (requestBytes >= MAX_REQUEST_BYTES_EXCLUSIVE) {
    return (
      `the request is ${requestBytes} bytes; a request must be smaller than ` +
      `${MAX_REQUEST_BYTES_EXCLUSIVE / MiB} MiB (${MAX_REQUEST_BYTES_EXCLUSIVE} bytes)`
    );
  }
  const videos = request.inputs.filter((i) => i.data?.video !== undefined).length;
  if (videos > MAX_VIDEOS_PER_REQUEST) {
    return `the request has ${videos} video inputs; at most ${MAX_VIDEOS_PER_REQUEST} video input is allowed per request`;
  }
  if (request.inputsAddJobId !== "" && !isValidId(request.inputsAddJobId)) {
    return idRuleText("inputs_add_job_id", request.inputsAddJobId);
  }
  return null;
}

/** Refuses ids already stored before any bytes are written (the transaction checks again). */
function markKnownDuplicates(
  inputs: readonly Input[],
  verdicts: InputVerdict[],
  store: Store,
  call: Call<PostInputsRequest>,
): void {
  const candidates = inputs.filter((input, i) => input.id !== "" && verdicts[i]?.ok === true).map((i) => i.id);
  const existing = store.inputs.existingIds(call.scope, candidates);
  if (existing.size === 0) return;
  inputs.forEach((input, i) => {
    if (verdicts[i]?.ok === true && existing.has(input.id)) {
      verdicts[i] = {
        ok: false,
        code: StatusCode.INPUT_DUPLICATE,
        description: `an input with id '${input.id}' already exists`,
      };
    }
  });
}
