import { type handleUnaryCall, status as grpcStatus } from "@grpc/grpc-js";
import type { UserAppIDSet } from "../gen/clarifai/api/resources.js";
import type { Status } from "../gen/clarifai/api/status/status.js";
import type { Authenticator } from "./auth.js";
import type { Faults } from "./faults.js";
import type { Route } from "./handlers/route.js";
import { randomId } from "./ids.js";
import { status, StatusCode } from "./status.js";

export interface GateDeps {
  auth: Authenticator;
  faults: Faults;
  log: (line: string) => void;
  /** Log one line per answered request (errors are logged regardless). */
  logRequests: boolean;
  /** Wire size of each decoded request (see request-sizes.ts). */
  sizes: WeakMap<object, number>;
}

interface Scoped {
  userAppId?: UserAppIDSet | undefined;
}

interface WithStatus {
  status?: Status | undefined;
}

/**
 * Turns a route into a grpc-js unary handler, in the order a request meets the
 * platform: latency, unavailability, authentication, throttling, the user/app
 * scope, then the handler. Every answer carries a fresh req_id. Never logs
 * metadata (so never a PAT).
 */
export function gate<Req extends Scoped, Res extends WithStatus>(
  method: string,
  route: Route<Req, Res>,
  deps: GateDeps,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const started = Date.now();
    const reqId = randomId();
    const scopeText = `${call.request.userAppId?.userId ?? ""}/${call.request.userAppId?.appId ?? ""}`;
    const answer = (response: Res): void => {
      const s = response.status ?? status(StatusCode.SUCCESS);
      response.status = { ...s, reqId };
      if (deps.logRequests) {
        deps.log(`${method} ${scopeText} -> ${StatusCode[s.code] ?? s.code} (${Date.now() - started} ms)`);
      }
      callback(null, response);
    };
    const run = async (): Promise<void> => {
      if (deps.faults.latencyMs > 0) await sleep(deps.faults.latencyMs);
      const fault = deps.faults.forRequest();
      if (fault === "unavailable") {
        if (deps.logRequests) deps.log(`${method} ${scopeText} -> gRPC UNAVAILABLE (injected)`);
        callback({ code: grpcStatus.UNAVAILABLE, details: "service unavailable (injected by --fault-unavailable)" });
        return;
      }
      const denied = deps.auth.check(call.metadata);
      if (denied !== null) return answer(route.reply(denied));
      if (fault === "throttle") {
        return answer(
          route.reply(status(StatusCode.CONN_THROTTLED, undefined, "injected by --fault-throttle; retry later")),
        );
      }
      const ids = call.request.userAppId;
      if (ids === undefined || ids.userId === "" || ids.appId === "") {
        return answer(
          route.reply(
            status(
              StatusCode.CONN_INVALID_REQUEST,
              "user_app_id with user_id and app_id is required",
              "set user_app_id.user_id and user_app_id.app_id on the request",
            ),
          ),
        );
      }
      const response = await route.handle({
        request: call.request,
        scope: { userId: ids.userId, appId: ids.appId },
        requestBytes: deps.sizes.get(call.request) ?? 0,
      });
      answer(response);
    };
    run().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      deps.log(`${method} ${scopeText} failed: ${message}`);
      try {
        answer(route.reply(status(StatusCode.INTERNAL_SERVER_ISSUE, undefined, message)));
      } catch {
        callback({ code: grpcStatus.INTERNAL, details: message });
      }
    });
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
