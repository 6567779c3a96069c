import { readFileSync } from "node:fs";
import {
  connectivityState,
  credentials as grpcCredentials,
  Metadata,
  status as GrpcCode,
  type CallOptions,
  type ClientUnaryCall,
  type ServiceError,
} from "@grpc/grpc-js";
import { V2Client, V2Service, type MultiInputResponse } from "../gen/clarifai/api/service.js";
import type { UserAppIDSet } from "../gen/clarifai/api/resources.js";
import type { Status } from "../gen/clarifai/api/status/status.js";
import { GRPC_MAX_MESSAGE_BYTES, MiB } from "../validate/limits.js";
import { readProblem, UploadError, UsageError } from "../errors.js";
import type { Settings } from "../config/settings.js";
import { parseEndpoint, type Endpoint } from "./endpoint.js";
import { checkConnection, cleanTransportMessage } from "./connection-check.js";
import { decodePostInputsAnswer } from "./post-inputs-answer.js";
import { frameLargeRequestsInPlace } from "./frame-in-place.js";
import { classifyGrpcError, classifyStatus, statusName, type RequestVerdict } from "./status.js";

/** A call that failed, with what the failure means for the caller. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly verdict: RequestVerdict,
    /** The Clarifai status code, when the server answered with one. */
    readonly statusCode?: number,
    /** The gRPC status code, when the call itself failed. */
    readonly grpcCode?: number,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const DEFAULT_DEADLINE_MS = 120_000;

/** How long an address found reachable is not looked at again. */
const CONNECTION_CHECK_REUSE_MS = 10_000;

/**
 * How much of its answers the server may send ahead of what this client has read (HTTP/2
 * flow control), where Node's default is 64 KiB. A page of 1,000 inputs is several
 * hundred KiB; at 64 KiB it would take several round trips to arrive.
 */
const RECEIVE_WINDOW_BYTES = 16 * MiB;

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Every request message carries user_app_id; the client fills it in. */
type AppScoped = { userAppId: UserAppIDSet | undefined };
type Answer = { status: Status | undefined };

/** The RPC names this client can call, as ts-proto names the stub's methods. */
export type RpcName = {
  [K in keyof V2Client]: V2Client[K] extends UnaryMethod<infer Req, infer Res>
    ? Req extends AppScoped ? (Res extends Answer ? K : never) : never
    : never;
}[keyof V2Client];
export type RequestOf<K extends RpcName> = V2Client[K] extends UnaryMethod<infer Req, unknown> ? Req : never;
export type ResponseOf<K extends RpcName> = V2Client[K] extends UnaryMethod<never, infer Res> ? Res : never;

export interface ClientOptions {
  settings: Settings;
  /** Overrides the per-call deadline. */
  deadlineMs?: number;
}

/**
 * One channel to the V2 service with auth metadata and deadlines. It does not retry or
 * pace: every call of the tool goes through the call layer (`Caller`), which does.
 */
export class ClarifaiClient {
  readonly endpoint: Endpoint;
  readonly userAppId: UserAppIDSet;
  private readonly stub: V2Client;
  private readonly metadata: Metadata;
  private readonly deadlineMs: number;
  private readonly secret: string | undefined;
  private readonly rootCertificates: Buffer | undefined;
  /** The last look at why calls could not connect (see checkConnection). */
  private connectionCheck: { at: number; problem: Promise<string | undefined> } | undefined;
  /**
   * True once any call was answered. A connection problem found before that ends a run
   * with one line; found after it, the run records what it knows before it stops.
   */
  everAnswered = false;
  /** Calls in flight, so that `cancelAll` can end them (the second Ctrl-C). */
  private readonly inFlight = new Set<ClientUnaryCall>();

  constructor(options: ClientOptions) {
    const { settings } = options;
    this.endpoint = parseEndpoint(settings.apiBase, settings.insecure);
    this.userAppId = { userId: settings.userId ?? "", appId: settings.appId ?? "" };
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    // A key this short is no one's secret (the platform's PATs are 32 characters; the
    // embedded server's is "local"), and blotting it out of every message garbles them.
    this.secret = settings.pat !== undefined && settings.pat.length >= MIN_SECRET_LENGTH ? settings.pat : undefined;
    this.metadata = new Metadata();
    if (settings.pat) this.metadata.set("authorization", `Key ${settings.pat}`);
    this.rootCertificates = this.endpoint.tls ? readRootCertificates(settings) : undefined;
    this.stub = new V2Client(this.endpoint.address, this.endpoint.tls ? grpcCredentials.createSsl(this.rootCertificates) : grpcCredentials.createInsecure(), {
      "grpc.max_send_message_length": GRPC_MAX_MESSAGE_BYTES,
      "grpc.max_receive_message_length": GRPC_MAX_MESSAGE_BYTES,
      "grpc.keepalive_time_ms": 60_000,
      "grpc-node.flow_control_window": RECEIVE_WINDOW_BYTES,
    });
    // From now on large encoded requests are sent without a copy (this settles long
    // before the first one is laid out).
    void frameLargeRequestsInPlace();
    // Connect now: the handshakes then overlap with the walk and validation that come
    // before the first call, instead of delaying that call.
    this.stub.getChannel().getConnectivityState(true);
  }

  /**
   * Calls one RPC and returns its answer as is (the caller inspects `status`),
   * or throws ApiError when the call itself failed.
   */
  raw<K extends RpcName>(rpc: K, request: Omit<RequestOf<K>, "userAppId">, deadlineMs = this.deadlineMs): Promise<ResponseOf<K>> {
    const method = this.stub[rpc] as unknown as UnaryMethod<RequestOf<K>, ResponseOf<K>>;
    const full = { ...request, userAppId: this.userAppId } as RequestOf<K>;
    return new Promise((resolve, reject) => {
      const call = method.call(this.stub, full, this.metadata, { deadline: Date.now() + deadlineMs }, this.settle(rpc, resolve, reject, () => this.inFlight.delete(call)));
      this.inFlight.add(call);
    });
  }

  /**
   * PostInputs with a request encoded beforehand (see layOutPostInputsRequest), which
   * must carry this client's user_app_id. A large one laid out by it is sent from where
   * it lies, without a copy (see frameLargeRequestsInPlace). The answer is decoded down
   * to each input's id and status (see decodePostInputsAnswer) and returned as is.
   */
  postEncodedInputs(request: Buffer, deadlineMs = this.deadlineMs): Promise<MultiInputResponse> {
    return new Promise((resolve, reject) => {
      const call = this.stub.makeUnaryRequest(
        V2Service.postInputs.path,
        (bytes: Buffer) => bytes,
        decodePostInputsAnswer,
        request,
        this.metadata,
        { deadline: Date.now() + deadlineMs },
        this.settle("postInputs", resolve, reject, () => this.inFlight.delete(call)),
      );
      this.inFlight.add(call);
    });
  }

  /** Cancels every call in flight: each fails with gRPC CANCELLED. */
  cancelAll(): void {
    for (const call of this.inFlight) call.cancel();
  }

  private settle<T>(rpc: string, resolve: (answer: T) => void, reject: (error: ApiError | UploadError) => void, done: () => void): (error: ServiceError | null, answer?: T) => void {
    return (error, answer) => {
      done();
      if (!error) {
        this.everAnswered = true;
        return resolve(answer as T);
      }
      const verdict = classifyGrpcError(error.code);
      const failed = (): ApiError => new ApiError(this.redact(`${rpc}: ${cleanTransportMessage(error.details || error.message)}`), verdict, undefined, error.code);
      // A whole deadline without ever connecting: something took the TCP connection but
      // does not speak gRPC (HTTP/2) at all. Trying again would only wait as long again.
      if (error.code === GrpcCode.DEADLINE_EXCEEDED && !this.everAnswered && this.stub.getChannel().getConnectivityState(false) !== connectivityState.READY) {
        return reject(new UploadError("unreachable", `cannot reach the API: ${this.endpoint.address} took the connection but did not answer as a gRPC server (HTTP/2) before the call's deadline: check the host and port of --api`));
      }
      if (error.code !== GrpcCode.UNAVAILABLE) return reject(failed());
      // An address that cannot work as configured is not retried: the run ends with one
      // line. It is an UploadError, which no retry loop takes for a transient failure.
      this.whyUnavailable().then(
        (problem) => reject(problem ? new UploadError("unreachable", `cannot reach the API: ${problem}`) : failed()),
        () => reject(failed()),
      );
    };
  }

  /** Why calls cannot connect, looked at once (and again after a while when the address answered). */
  private whyUnavailable(): Promise<string | undefined> {
    const now = Date.now();
    if (this.connectionCheck && now - this.connectionCheck.at < CONNECTION_CHECK_REUSE_MS) return this.connectionCheck.problem;
    const problem = checkConnection(this.endpoint, { rootCertificates: this.rootCertificates });
    this.connectionCheck = { at: now, problem };
    // A problem found stays found: the address will not start working as configured.
    problem.then((found) => {
      if (found && this.connectionCheck) this.connectionCheck.at = Number.POSITIVE_INFINITY;
    }, () => undefined);
    return problem;
  }

  /** Like `raw`, but an answer whose status is not SUCCESS throws ApiError. */
  async call<K extends RpcName>(rpc: K, request: Omit<RequestOf<K>, "userAppId">, deadlineMs?: number): Promise<ResponseOf<K>> {
    const response = await this.raw(rpc, request, deadlineMs);
    const status = (response as Answer).status;
    const code = status?.code ?? 0;
    const verdict = classifyStatus(code);
    if (verdict !== "success") {
      throw new ApiError(this.redact(`${rpc}: ${describeStatus(status)}`), verdict === "per_input" ? "fatal" : verdict, code);
    }
    return response;
  }

  /** Waits until the channel is connected, or fails after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.stub.waitForReady(Date.now() + timeoutMs, (error) => {
        if (error) reject(new UploadError("unreachable", `cannot reach ${this.endpoint.address}: ${error.message}`));
        else resolve();
      });
    });
  }

  close(): void {
    this.stub.close();
  }

  /** Removes the PAT from any text that may reach the user. */
  redact(text: string): string {
    return this.secret ? text.split(this.secret).join("***") : text;
  }
}

/** The shortest PAT taken out of messages (`redact`). */
const MIN_SECRET_LENGTH = 8;

/** What messages about answers include: with --verbose, the request id the platform gave each answer (for its support). */
export const answerDetail = { requestIds: false };

export function describeStatus(status: Status | undefined): string {
  if (!status) return "no status in the answer";
  const parts = [statusName(status.code), status.description, status.details].filter((part) => part !== "");
  const requestId = answerDetail.requestIds && status.reqId ? ` (request id ${status.reqId})` : "";
  return parts.join(": ") + requestId;
}

function readRootCertificates(settings: Settings): Buffer | undefined {
  if (!settings.rootCertificatesPath) return undefined;
  let pem: Buffer;
  try {
    pem = readFileSync(settings.rootCertificatesPath);
  } catch (error) {
    throw new UsageError(`CLARIFAI_ROOT_CERTIFICATES_PATH ${settings.rootCertificatesPath}: ${readProblem(error)}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) throw new UsageError(`CLARIFAI_ROOT_CERTIFICATES_PATH ${settings.rootCertificatesPath}: no PEM certificate in it (-----BEGIN CERTIFICATE-----)`);
  return pem;
}
