// A naive uploader, the second ceiling of the small-file benchmark: it lists the folder,
// then per request reads its 128 files with readFileSync, encodes them with protobufjs
// and sends them, a few requests in flight. No validation, no job log, no retries.
// As a user would run it, in its own process:
//   node bench/naive-upload.mjs DIR HOST:PORT CONCURRENCY   (prints {"seconds": S} on stdout)
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { pathToFileURL } from "node:url";
import { credentials, makeGenericClientConstructor, Metadata } from "@grpc/grpc-js";
import { loadClarifaiApi } from "./clarifai-proto.mjs";
import { listFiles } from "./corpus.mjs";

const { PostInputsRequest, MultiInputResponse } = loadClarifaiApi();
const BATCH = 128;

/**
 * Uploads every file under `dir` with `send(encodedRequest)` (which resolves to the
 * answer's status code), `concurrency` requests in flight; returns the seconds taken,
 * listing included.
 */
export async function naiveUpload({ dir, app, concurrency, send }) {
  const started = performance.now();
  const files = listFiles(dir);
  const userAppId = { userId: "bench", appId: app };
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const paths = files.slice(next, next + BATCH);
        next += BATCH;
        const inputs = paths.map((path) => {
          const rel = relative(dir, path);
          const metadata = { fields: { filename: { stringValue: rel.split("/").pop() }, path: { stringValue: rel } } };
          return { id: rel.replace(/[^A-Za-z0-9_-]/g, "_").slice(-48), data: { image: { base64: readFileSync(path) }, metadata } };
        });
        const request = PostInputsRequest.encode({ userAppId, inputs, inputsAddJobId: "naive" }).finish();
        const code = await send(request);
        if (code !== 10000) throw new Error(`naive uploader: status ${code}`);
      }
    }),
  );
  return { seconds: (performance.now() - started) / 1000 };
}

/** The script a user would write: a plain grpc-js client, answers decoded with protobufjs. */
async function main([dir, address, concurrency]) {
  const V2Client = makeGenericClientConstructor(
    {
      postInputs: {
        path: "/clarifai.api.V2/PostInputs",
        requestStream: false,
        responseStream: false,
        requestSerialize: (encoded) => Buffer.from(encoded.buffer, encoded.byteOffset, encoded.length),
        responseDeserialize: (bytes) => MultiInputResponse.decode(bytes),
      },
    },
    "clarifai.api.V2",
  );
  const stub = new V2Client(address, credentials.createInsecure(), { "grpc.max_send_message_length": 160 << 20 });
  const metadata = new Metadata();
  metadata.set("authorization", "Key bench");
  const send = (request) => new Promise((resolve, reject) => stub.postInputs(request, metadata, (error, answer) => (error ? reject(error) : resolve(answer.status.code))));
  const result = await naiveUpload({ dir, app: "naive", concurrency: Number(concurrency), send });
  stub.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main(process.argv.slice(2));
