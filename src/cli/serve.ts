import { resolve } from "node:path";
import { Command, InvalidArgumentError } from "commander";
import { UsageError } from "../errors.js";
import type { ServerOptions } from "../server/server.js";
import { ensureFolder } from "./check-paths.js";

/** `serve` flags as commander hands them over. */
interface ServeFlags {
  port: number;
  host: string;
  data: string;
  pat: string[];
  faultThrottle?: number;
  faultUnavailable?: number;
  faultInputFailure?: number;
  faultInputFailed?: number;
  faultProcessingFailure?: number;
  latency?: number;
  processingDelay?: number;
  seed?: number;
  s3Root?: string;
  gsRoot?: string;
  quiet?: boolean;
}

export function serveCommand(): Command {
  return new Command("serve")
    .description("start the local Clarifai-compatible gRPC server (plaintext, SQLite storage)")
    .option("--port <port>", "port to listen on; 0 picks a free one", parsePort, 50051)
    .option("--host <host>", "address to bind", "127.0.0.1")
    .option("--data <dir>", "folder for the database and the input bytes", "./clarifai-data")
    .option("--pat <token>", "accept this PAT (repeatable); with none, any key is accepted", collect, [])
    .option("--fault-throttle <p>", "answer this share of requests with CONN_THROTTLED", parseProbability)
    .option("--fault-unavailable <p>", "answer this share of requests with gRPC UNAVAILABLE", parseProbability)
    .option(
      "--fault-input-failure <p>",
      "fail this share of posted inputs transiently (INPUT_CONNECTION_FAILED)",
      parseProbability,
    )
    .option("--fault-input-failed <p>", "answer this share of posted inputs INPUT_FAILED, the platform's per-input \"try again\"", parseProbability)
    .option("--fault-processing-failure <p>", "fail the first processing of this share of input ids (posted again, they succeed)", parseProbability)
    .option("--latency <ms>", "delay every response by this many milliseconds", parseNonNegativeInt)
    .option(
      "--processing-delay <ms>",
      "start processing an input only this many milliseconds after it arrived (the platform takes seconds)",
      parseNonNegativeInt,
    )
    .option("--seed <n>", "seed of the fault injection (same seed, same faults)", parseNonNegativeInt)
    .option("--s3-root <dir>", "read data sources s3://BUCKET/KEY from DIR/BUCKET/KEY (offline stand-in for S3)")
    .option("--gs-root <dir>", "read data sources gs://BUCKET/KEY from DIR/BUCKET/KEY (offline stand-in for GCS)")
    .option("-q, --quiet", "do not log each request")
    .addHelpText(
      "after",
      "\nWith --port 0 the first line on stdout is `listening HOST:PORT`. Stops on SIGINT or SIGTERM.",
    )
    .action(async (flags: ServeFlags, command: Command) => {
      const quiet = flags.quiet === true || command.optsWithGlobals<{ quiet?: boolean }>().quiet === true;
      try {
        ensureFolder(flags.data, "--data");
        await serve(serverOptions(flags, [...new Set(flags.pat)], quiet), flags.port === 0);
      } catch (error) {
        command.error(`clarifai-upload serve: ${error instanceof Error ? error.message : String(error)}`, {
          exitCode: error instanceof UsageError ? 2 : 1,
          code: "serve.start",
        });
      }
    });
}

function serverOptions(flags: ServeFlags, pats: string[], quiet: boolean): ServerOptions {
  const write = (line: string): void => {
    process.stderr.write(`clarifai-upload serve: ${line}\n`);
  };
  return {
    host: flags.host,
    port: flags.port,
    dataDir: resolve(flags.data),
    pats,
    faults: {
      throttle: flags.faultThrottle,
      unavailable: flags.faultUnavailable,
      inputFailure: flags.faultInputFailure,
      inputFailed: flags.faultInputFailed,
      processingFailure: flags.faultProcessingFailure,
      latencyMs: flags.latency,
      seed: flags.seed,
    },
    ...(flags.processingDelay === undefined ? {} : { processingDelayMs: flags.processingDelay }),
    log: write,
    logRequests: !quiet,
    ...(flags.s3Root === undefined ? {} : { s3Root: resolve(flags.s3Root) }),
    ...(flags.gsRoot === undefined ? {} : { gsRoot: resolve(flags.gsRoot) }),
  };
}

/** Runs the server until SIGINT or SIGTERM, then closes it. Throws when it cannot start. */
async function serve(options: ServerOptions, announcePort: boolean): Promise<void> {
  // Loaded here so that upload commands do not pay for the server's modules at start-up.
  const { startServer } = await import("../server/server.js");
  const server = await startServer(options);
  const pats = options.pats?.length ?? 0;
  const auth = pats === 0 ? "accepting any PAT" : `accepting ${pats} PAT${pats === 1 ? "" : "s"}`;
  process.stderr.write(`clarifai-upload serve: listening on ${server.address} (data in ${options.dataDir}; ${auth})\n`);
  if (announcePort) process.stdout.write(`listening ${server.address}\n`);
  await new Promise<void>((done) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      process.stderr.write(`clarifai-upload serve: ${signal}: stopping\n`);
      server.close().then(done, (error: unknown) => {
        process.stderr.write(`clarifai-upload serve: error while stopping: ${String(error)}\n`);
        done();
      });
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("a port is an integer 0..65535");
  return n;
}

function parseProbability(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError("a probability is a number from 0 to 1");
  }
  return n;
}

function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("expected a non-negative integer");
  return n;
}
