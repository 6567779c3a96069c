import { type handleUnaryCall, status as grpcStatus } from "@grpc/grpc-js";

/**
 * RPCs the server does not implement yet (data sources, extraction jobs,
 * uploads) answer gRPC UNIMPLEMENTED.
 */
export function unimplemented<Req, Res>(method: string): handleUnaryCall<Req, Res> {
  return (_call, callback) => {
    callback({ code: grpcStatus.UNIMPLEMENTED, details: `${method} is not implemented by the local server yet` });
  };
}
