// A minimal stand-in for the platform, so that the server is not what a benchmark
// measures: a grpc-js server that decodes each PostInputs request and answers success
// for every input, storing nothing. Every other RPC is unimplemented.
// Usage: node bench/stand-in-server.mjs  (prints "listening HOST:PORT" on stdout; on
// SIGTERM, "window SECONDS INPUTS": from the first request it took to the last it
// answered, and the inputs in between, the server's view of an upload's speed)
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { loadClarifaiApi } from "./clarifai-proto.mjs";

const { PostInputsRequest, MultiInputResponse } = loadClarifaiApi();
const SUCCESS = 10000;
const INPUT_PENDING = 30001;
const WINDOW_BYTES = 16 * 1024 * 1024;

const service = {
  postInputs: {
    path: "/clarifai.api.V2/PostInputs",
    requestStream: false,
    responseStream: false,
    requestDeserialize: (bytes) => PostInputsRequest.decode(bytes),
    responseSerialize: (answer) => Buffer.from(MultiInputResponse.encode(answer).finish()),
  },
};

let firstTaken;
let lastAnswered;
let inputsTaken = 0;

const server = new Server({ "grpc.max_receive_message_length": 160 << 20 });
server.addService(service, {
  postInputs(call, callback) {
    firstTaken ??= performance.now();
    const inputs = call.request.inputs.map((input) => ({ id: input.id, status: { code: INPUT_PENDING } }));
    inputsTaken += inputs.length;
    callback(null, { status: { code: SUCCESS }, inputs });
    lastAnswered = performance.now();
  },
});
server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  // The same 16 MiB HTTP/2 windows as `serve`, through grpc-js's private map of servers.
  for (const http2Server of server.http2Servers?.keys() ?? []) {
    http2Server.updateSettings({ initialWindowSize: WINDOW_BYTES });
    http2Server.on("session", (session) => session.setLocalWindowSize(WINDOW_BYTES));
  }
  process.stdout.write(`listening 127.0.0.1:${port}\n`);
});
process.on("SIGTERM", () => {
  if (firstTaken !== undefined) process.stdout.write(`window ${(lastAnswered - firstTaken) / 1000} ${inputsTaken}\n`);
  server.forceShutdown();
  process.exit(0);
});
