/**
 * A ClarifaiClient that never opens a channel: PostInputs and every other RPC are
 * answered by functions the test gives, and each call is written down.
 */
import { Caller } from "../../src/api/caller.js";
import type { ClarifaiClient, RpcName } from "../../src/api/client.js";
import { PostInputsRequest, type MultiInputResponse } from "../../src/gen/clarifai/api/service.js";
import { Status } from "../../src/gen/clarifai/api/status/status.js";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";

export interface FakeAnswers {
  /** Answers a PostInputs carrying these input ids (default: every input accepted, pending processing). */
  post?: (ids: string[]) => Promise<MultiInputResponse> | MultiInputResponse;
  /** Answers any other RPC (default: an empty answer). */
  call?: (rpc: RpcName, request: object) => object;
}

export type FakeClient = ClarifaiClient & { calls: string[] };

export function statusOf(code: number, description = ""): Status {
  return Status.fromPartial({ code, description });
}

/** A PostInputs answer: each id with its code from `codes` (default INPUT_PENDING, i.e. accepted). */
export function postAnswer(ids: readonly string[], codes: Readonly<Record<string, number>> = {}): MultiInputResponse {
  const inputs = ids.map((id) => ({ id, status: statusOf(codes[id] ?? StatusCode.INPUT_PENDING) }));
  const mixed = inputs.some((input) => input.status.code !== StatusCode.INPUT_PENDING);
  return { status: statusOf(mixed ? StatusCode.MIXED_STATUS : StatusCode.SUCCESS), inputs } as unknown as MultiInputResponse;
}

export function fakeClient(answers: FakeAnswers = {}): FakeClient {
  const calls: string[] = [];
  const client = {
    calls,
    userAppId: { userId: "u", appId: "a" },
    async postEncodedInputs(request: Buffer): Promise<MultiInputResponse> {
      const ids = PostInputsRequest.decode(request).inputs.map((input) => input.id);
      calls.push(`postInputs ${ids.join(",")}`);
      return answers.post ? answers.post(ids) : postAnswer(ids);
    },
    async call(rpc: RpcName, request: object): Promise<object> {
      calls.push(rpc);
      return answers.call ? answers.call(rpc, request) : {};
    },
    async raw(rpc: RpcName, request: object): Promise<object> {
      calls.push(rpc);
      return answers.call ? answers.call(rpc, request) : {};
    },
    cancelAll(): void {},
    redact: (text: string): string => text,
  };
  return client as unknown as FakeClient;
}

/** The real call layer over `client`: no pacing, no waits, `maxRetries` retries. */
export function callerOver(client: ClarifaiClient, maxRetries = 0): Caller {
  return new Caller(client, { rps: 0, retry: { maxRetries, baseDelayMs: 0, maxDelayMs: 0 } });
}
