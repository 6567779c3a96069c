import type { Http2Server } from "node:http2";
import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { V2Server } from "../gen/clarifai/api/service.js";
import { GRPC_MAX_MESSAGE_BYTES, MiB } from "../validate/limits.js";
import { Authenticator } from "./auth.js";
import { type FaultOptions, Faults } from "./faults.js";
import { gate, type GateDeps } from "./gate.js";
import { cancelInputsAddJobRoute, getInputsAddJobRoute, listInputsAddJobsRoute } from "./handlers/jobs.js";
import { postAnnotationsRoute, listAnnotationsRoute } from "./handlers/annotations.js";
import {
  getDatasetRoute,
  listDatasetsRoute,
  postDatasetInputsRoute,
  postDatasetsRoute,
} from "./handlers/datasets.js";
import { deleteInputsRoute, getInputCountRoute, getInputRoute, listInputsRoute } from "./handlers/inputs.js";
import { postInputsDataSourcesRoute } from "./handlers/data-sources.js";
import {
  cancelInputsExtractionJobsRoute,
  getInputsExtractionJobRoute,
  listInputsExtractionJobsRoute,
} from "./handlers/extraction-jobs.js";
import { postInputsRoute } from "./handlers/post-inputs.js";
import { getUploadRoute, postInputsUploadsRoute, putUploadContentPartsRoute } from "./handlers/uploads.js";
import { Extractor } from "./extraction/extractor.js";
import { Processor } from "./processor.js";
import { measuredService } from "./request-sizes.js";
import { Store } from "./store.js";
import { UploadService } from "./uploads/upload-service.js";

export type { FaultOptions } from "./faults.js";

export interface ServerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) picks a free one. */
  port?: number;
  /** Folder for the SQLite database and the blobs. */
  dataDir: string;
  /** PATs to accept; none: accept any key. */
  pats?: string[];
  faults?: FaultOptions;
  /** Where the server's log lines go; it prints nothing itself. */
  log?: (line: string) => void;
  /** Log one line per request (default true; startup and errors are always logged). */
  logRequests?: boolean;
  /** An input is not processed before it is this old (default 0). */
  processingDelayMs?: number;
  /** Deadline for downloading a URL input (default 15000). */
  downloadTimeoutMs?: number;
  /**
   * Folder standing in for Amazon S3: the data source s3://BUCKET/KEY is read
   * from s3Root/BUCKET/KEY. Without it s3:// data sources are refused.
   */
  s3Root?: string;
  /** Folder standing in for Google Cloud Storage (gs://BUCKET/KEY), as s3Root. */
  gsRoot?: string;
  /** An extraction job pauses this long before each file or archive entry (default 0; tests watch jobs run). */
  extractionDelayMs?: number;
}

export interface RunningServer {
  host: string;
  port: number;
  /** "HOST:PORT" */
  address: string;
  /** Stops accepting calls, lets running ones finish, stops processing, closes the database. */
  close(): Promise<void>;
}

/** Starts the local Clarifai-compatible gRPC server. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? "127.0.0.1";
  const faults = new Faults(options.faults);
  const auth = new Authenticator(options.pats);
  const store = await Store.open(options.dataDir);
  const processor = new Processor(store, {
    processingDelayMs: options.processingDelayMs,
    downloadTimeoutMs: options.downloadTimeoutMs,
    log,
    failsProcessing: (key) => faults.processingFails(key),
  });
  const extractor: Extractor = new Extractor(store, {
    uploadsRoot: join(options.dataDir, "uploads"),
    delayMs: options.extractionDelayMs,
    onCreated: () => processor.kick(),
    onEnded: (row) => uploads.extractionEnded(row),
    log,
  });
  const uploads = new UploadService(store, options.dataDir, {
    kickExtractor: () => extractor.kick(),
    extractionRunning: (seq) => extractor.isRunning(seq),
    log,
  });
  const sweepUploads = (): void => {
    uploads.sweep().catch((error: unknown) => {
      log(`could not remove upload folders: ${error instanceof Error ? error.message : String(error)}`);
    });
  };
  const roots = { s3Root: options.s3Root, gsRoot: options.gsRoot };
  const sizes = new WeakMap<object, number>();
  const deps: GateDeps = { auth, faults, log, logRequests: options.logRequests ?? true, sizes };

  const impl: V2Server = {
    postInputs: gate("PostInputs", postInputsRoute({ store, processor, faults }), deps),
    getInput: gate("GetInput", getInputRoute(store), deps),
    listInputs: gate("ListInputs", listInputsRoute(store), deps),
    deleteInputs: gate("DeleteInputs", deleteInputsRoute(store), deps),
    getInputCount: gate("GetInputCount", getInputCountRoute(store), deps),
    postAnnotations: gate("PostAnnotations", postAnnotationsRoute(store), deps),
    listAnnotations: gate("ListAnnotations", listAnnotationsRoute(store), deps),
    postDatasets: gate("PostDatasets", postDatasetsRoute(store), deps),
    getDataset: gate("GetDataset", getDatasetRoute(store), deps),
    listDatasets: gate("ListDatasets", listDatasetsRoute(store), deps),
    postDatasetInputs: gate("PostDatasetInputs", postDatasetInputsRoute(store), deps),
    getInputsAddJob: gate("GetInputsAddJob", getInputsAddJobRoute(store), deps),
    listInputsAddJobs: gate("ListInputsAddJobs", listInputsAddJobsRoute(store), deps),
    cancelInputsAddJob: gate("CancelInputsAddJob", cancelInputsAddJobRoute(store, sweepUploads), deps),
    postInputsDataSources: gate(
      "PostInputsDataSources",
      postInputsDataSourcesRoute({ store, roots, kick: () => extractor.kick() }),
      deps,
    ),
    getInputsExtractionJob: gate("GetInputsExtractionJob", getInputsExtractionJobRoute(store), deps),
    listInputsExtractionJobs: gate("ListInputsExtractionJobs", listInputsExtractionJobsRoute(store), deps),
    cancelInputsExtractionJobs: gate(
      "CancelInputsExtractionJobs",
      cancelInputsExtractionJobsRoute(store, sweepUploads),
      deps,
    ),
    postInputsUploads: gate("PostInputsUploads", postInputsUploadsRoute(store, uploads), deps),
    putUploadContentParts: gate("PutUploadContentParts", putUploadContentPartsRoute(uploads), deps),
    getUpload: gate("GetUpload", getUploadRoute(store, uploads), deps),
  };

  const server = new Server({
    "grpc.max_receive_message_length": GRPC_MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": GRPC_MAX_MESSAGE_BYTES,
  });
  server.addService(measuredService(sizes), impl);

  let port: number;
  const wanted = `${bracketed(host)}:${options.port ?? 0}`;
  try {
    await uploads.init();
  } catch (error) {
    store.close();
    throw error;
  }
  try {
    port = await bind(server, wanted);
    widenReceiveWindows(server);
  } catch (error) {
    server.forceShutdown();
    store.close();
    const detail = error instanceof Error ? (/\[(.*)\]/.exec(error.message)?.[1] ?? error.message) : String(error);
    throw new Error(`cannot listen on ${wanted}: ${detail}`, { cause: error });
  }
  processor.start();
  extractor.start();
  const address = `${bracketed(host)}:${port}`;
  if (auth.acceptsAnyKey) log("no PAT configured: accepting any key");
  if (options.s3Root !== undefined) log(`s3:// data sources are read from ${options.s3Root}`);
  if (options.gsRoot !== undefined) log(`gs:// data sources are read from ${options.gsRoot}`);
  if (faults.enabled) {
    log(
      `fault injection: throttle ${faults.throttle}, unavailable ${faults.unavailable}, ` +
        `input failure ${faults.inputFailure}, input failed ${faults.inputFailed}, processing failure ${faults.processingFailure}, latency ${faults.latencyMs} ms, seed ${faults.seed}`,
    );
  }

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    address,
    close() {
      closing ??= (async () => {
        await shutdown(server);
        await extractor.close();
        await processor.close();
        store.close();
      })();
      return closing;
    },
  };
}

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error !== null) reject(error);
      else resolve(port);
    });
  });
}

/**
 * HTTP/2 flow-control windows, per stream and per connection, as wide as gRPC's Go
 * servers let theirs grow. With Node's default of 64 KiB, which grpc-js's server keeps,
 * a client could send only 64 KiB per turn of this server's event loop: an upload of 50
 * images of 10 MiB took 4.5-5 s instead of 2.2-3 s, and both sides sat half idle.
 */
export const RECEIVE_WINDOW_BYTES = 16 * MiB;

function widenReceiveWindows(server: Server): void {
  // grpc-js has no option for the windows and keeps its HTTP/2 servers private; what is
  // done to them here is Node's public API.
  const http2Servers = (server as unknown as { http2Servers?: Map<Http2Server, unknown> }).http2Servers;
  for (const http2Server of http2Servers?.keys() ?? []) {
    http2Server.updateSettings({ initialWindowSize: RECEIVE_WINDOW_BYTES });
    http2Server.on("session", (session) => session.setLocalWindowSize(RECEIVE_WINDOW_BYTES));
  }
}

/** Graceful shutdown, forced after a second. */
function shutdown(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 1000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
}

function bracketed(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
