// Benchmark: this CLI vs. a minimal pre-built-batch client (the wire ceiling) vs. the
// official clarifai-nodejs SDK, all against `clarifai-upload serve` on loopback.
// Also: small files against a naive uploader and against a stand-in server that only
// decodes requests (ceilings), and jobs of very many tiny files (scale).
// Usage: node bench/run.mjs [--small N] [--platform N] [--large N] [--large-mib M] [--tree N]
//                           [--scale N,N] [--concurrency N] [--runs N] [--shared-cores] [--skip-sdk]
//                           [--only small,latency,platform,large,tree,memory,ceilings,instructions,scale]
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { credentials, makeGenericClientConstructor, Metadata } from "@grpc/grpc-js";
import { decodePostInputsAnswer } from "../dist/api/post-inputs-answer.js";
import { PostInputsRequest, V2Service } from "../dist/gen/clarifai/api/service.js";
import { largeImages, largeTexts, largeVideo, listFiles, smallImages, tinyTree } from "./corpus.mjs";
import { haveValgrind, instructionsPerInput } from "./instructions.mjs";
import { measure } from "./measure.mjs";
import { naiveUpload } from "./naive-upload.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const BIN = join(ROOT, "bin", "clarifai-upload");
const CORPUS = join(ROOT, "bench", "corpus");
const { values: args } = parseArgs({
  options: {
    small: { type: "string", default: "20000" },
    platform: { type: "string", default: "20000" },
    large: { type: "string", default: "50" },
    "large-mib": { type: "string", default: "10" },
    tree: { type: "string", default: "100000" },
    concurrency: { type: "string", default: "8" },
    runs: { type: "string", default: "3" },
    "skip-sdk": { type: "boolean", default: false },
    "shared-cores": { type: "boolean", default: false },
    scale: { type: "string", default: "100000,1000000" },
    only: { type: "string", default: "small,latency,platform,large,tree,memory,ceilings,instructions,scale" },
  },
});
const CONCURRENCY = Number(args.concurrency);
const RUNS = Math.max(1, Number(args.runs));

/**
 * Against the platform, the server's work does not come out of the client's CPU. Here both
 * run on one machine, so the server gets CPU 0 and every client (this process, which runs
 * the ceiling, and the CLI and SDK it starts) CPU 1, unless --shared-cores.
 */
const PINNED = !args["shared-cores"] && availableParallelism() >= 2 && pinSelfToCpu1();

function pinSelfToCpu1() {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", "1", String(process.pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false; // no taskset: the cores stay shared
  }
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

/**
 * Starts `serve` on an ephemeral port in a fresh data folder. `latencyMs` delays every
 * answer; `processingDelayMs` keeps inputs pending that long, as the platform does while
 * it processes them.
 */
async function startServe({ latencyMs = 0, processingDelayMs = 0, onRequestLine, standIn = false } = {}) {
  const data = mkdtempSync(join(tmpdir(), "cu-bench-data-"));
  const conditionFlags = [...(latencyMs > 0 ? ["--latency", String(latencyMs)] : []), ...(processingDelayMs > 0 ? ["--processing-delay", String(processingDelayMs)] : [])];
  // Without a reader for its request lines the server runs with -q: an unread stderr pipe
  // would fill up and stall it.
  const quiet = onRequestLine ? [] : ["-q"];
  const serve = standIn
    ? [process.execPath, join(ROOT, "bench", "stand-in-server.mjs")]
    : [process.execPath, BIN, "serve", "--port", "0", "--data", data, ...quiet, ...conditionFlags];
  const command = PINNED ? ["taskset", "-c", "0", ...serve] : serve;
  const child = spawn(command[0], command.slice(1), { stdio: ["ignore", "pipe", onRequestLine ? "pipe" : "ignore"] });
  if (onRequestLine) {
    let partial = "";
    child.stderr.on("data", (chunk) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop();
      for (const line of lines) onRequestLine(line);
    });
  }
  let out = "";
  child.stdout.on("data", (chunk) => (out += chunk));
  // After the process's exit and the end of its output (the window line comes last).
  const closed = new Promise((r) => child.on("close", r));
  const address = await new Promise((resolvePromise, reject) => {
    child.stdout.on("data", () => {
      const match = /listening (\S+)/.exec(out);
      if (match) resolvePromise(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`serve exited with ${code}`)));
  });
  return {
    address,
    /** Stops the server; resolves to the stand-in's upload window ({seconds, inputs}), if it took any request. */
    async stop() {
      child.kill("SIGTERM");
      await closed;
      rmSync(data, { recursive: true, force: true });
      const window = /window (\S+) (\d+)/.exec(out);
      return window ? { seconds: Number(window[1]), inputs: Number(window[2]) } : undefined;
    },
  };
}

/** The result of `work(address)` against a fresh server, with the stand-in's upload window. */
async function withServe(work, conditions) {
  const server = await startServe(conditions);
  let result;
  try {
    result = await work(server.address);
  } finally {
    const window = await server.stop();
    if (result && window) result.window = window;
  }
  return result;
}

/**
 * The V2 client with PostInputs taking requests already encoded (sent as they are) and
 * answers read only as far as each input's status: the least work a client can do per call.
 */
const PrebuiltV2Client = makeGenericClientConstructor(
  { ...V2Service, postInputs: { ...V2Service.postInputs, requestSerialize: (encoded) => encoded, responseDeserialize: decodePostInputsAnswer } },
  "clarifai.api.V2",
);

function client(address) {
  const stub = new PrebuiltV2Client(address, credentials.createInsecure(), { "grpc.max_send_message_length": 160 << 20, "grpc.max_receive_message_length": 160 << 20 });
  const metadata = new Metadata();
  metadata.set("authorization", "Key bench");
  const call = (method, request) =>
    new Promise((r, j) => stub[method](request, metadata, (e, res) => (e ? j(e) : r(res))));
  return { stub, call };
}

/** The wire ceiling: every request built and encoded in memory first, then only sending is timed. */
async function ceiling(address, dir, app, concurrency = CONCURRENCY) {
  const files = listFiles(dir);
  const batches = [];
  let current = [];
  let bytes = 0;
  for (const path of files) {
    const data = readFileSync(path);
    // The CLI's default batch limits: 128 inputs, 16 MiB.
    if (current.length === 128 || (current.length > 0 && bytes + data.length > 16 * 1024 * 1024)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    // The same content the CLI sends: id, bytes, default metadata, under an inputs-add job.
    const rel = relative(dir, path);
    current.push({ id: rel.replace(/[^A-Za-z0-9_-]/g, "_").slice(-48), data: { image: { base64: data }, metadata: { filename: rel.split("/").pop(), path: rel } } });
    bytes += data.length;
  }
  if (current.length) batches.push(current);
  const { stub, call } = client(address);
  const userAppId = { userId: "bench", appId: app };
  // Built and encoded up front so that only sending is timed.
  const requests = batches.map((inputs) => Buffer.from(PostInputsRequest.encode(PostInputsRequest.fromPartial({ userAppId, inputs, inputsAddJobId: "ceiling" })).finish()));
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const res = await call("postInputs", requests[next++]);
        if (res.status.code !== 10000) throw new Error(`ceiling: ${res.status.code} ${res.status.description}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  stub.close();
  return { seconds };
}

/** The CLI's arguments; with `json: false`, as a cron job runs it: a summary table on stderr, no line per input. */
function cliArgs(address, dir, app, extra = [], concurrency = CONCURRENCY, { json = true } = {}) {
  return [BIN, "folder", dir, "--api", `http://${address}`, "--pat", "bench", "--user", "bench", "--app", app, "--rps", "0", "--concurrency", String(concurrency), ...(json ? ["--json"] : []), ...extra];
}

/** The summary of a run: its last JSON line, or, without --json, the counts of its summary table on stderr. */
function summaryOf(stdout, stderr = "") {
  const lines = stdout.trim().split("\n");
  if (lines[lines.length - 1].startsWith("{")) return JSON.parse(lines[lines.length - 1]);
  const count = (label) => Number(new RegExp(`^  ${label}\\s+(\\d+)`, "m").exec(stderr)?.[1]);
  return { uploaded: count("uploaded"), present: count("already present") };
}

function describeConditions({ latencyMs = 0, processingDelayMs = 0 } = {}) {
  const parts = [];
  if (latencyMs) parts.push(`server answers after ${latencyMs} ms`);
  if (processingDelayMs) parts.push(`inputs processed ${processingDelayMs} ms after they arrive`);
  return parts.length ? parts.join(", ") : "loopback";
}

async function scenario(name, dir, conditions = {}) {
  const files = listFiles(dir);
  const totalBytes = files.reduce((sum, path) => sum + readFileSync(path).length, 0);
  const mb = totalBytes / 1e6;
  log(`\n== ${name}: ${files.length} files, ${mb.toFixed(1)} MB, ${describeConditions(conditions)}`);
  // Each run of each client gets a fresh server, so none pays for another's stored inputs
  // or processing. The ceiling and the CLI run alternately, RUNS times each, and the
  // median run counts: this machine is shared, and single runs move by 10-20%.
  const ceilingRuns = [];
  const cliRuns = [];
  for (let run = 0; run < RUNS; run++) {
    ceilingRuns.push(await withServe((address) => ceiling(address, dir, `ceiling-${name}`), conditions));
    cliRuns.push(await withServe(async (address) => {
      const home = mkdtempSync(join(tmpdir(), "cu-bench-home-"));
      const cli = await measure(process.execPath, cliArgs(address, dir, `cli-${name}`), { XDG_STATE_HOME: home });
      rmSync(home, { recursive: true, force: true });
      const summary = summaryOf(cli.stdout);
      if (summary.uploaded !== files.length) throw new Error(`CLI uploaded ${summary.uploaded} of ${files.length}: ${cli.stderr}`);
      return { seconds: cli.seconds, peakMiB: cli.peakMiB };
    }, conditions));
  }
  if (RUNS > 1) log(`runs (s): ceiling ${ceilingRuns.map((r) => r.seconds.toFixed(2)).join(" ")}; CLI ${cliRuns.map((r) => r.seconds.toFixed(2)).join(" ")}`);
  const results = { ceiling: median(ceilingRuns), cli: { ...median(cliRuns), peakMiB: Math.max(...cliRuns.map((r) => r.peakMiB)) } };
  if (!args["skip-sdk"]) {
    results.sdk = await withServe(async (address) => {
      const sdk = await measure(process.execPath, [join(ROOT, "bench", "sdk-upload.mjs"), address, dir, `sdk-${name}`]);
      if (sdk.code !== 0) {
        const reason = sdk.stderr.split("\n").find((line) => /details|Error/.test(line)) ?? sdk.stderr.slice(-300);
        log(`official SDK failed (exit ${sdk.code}): ${reason.trim()}`);
        return undefined;
      }
      return { seconds: sdk.seconds, peakMiB: sdk.peakMiB };
    }, conditions);
  }
  const row = (label, r) => r && log(`${label.padEnd(22)} ${(files.length / r.seconds).toFixed(0).padStart(8)} inputs/s ${(mb / r.seconds).toFixed(1).padStart(8)} MB/s ${r.seconds.toFixed(2).padStart(8)} s${r.peakMiB ? `  peak RSS ${r.peakMiB.toFixed(0)} MiB` : ""}`);
  row("clarifai-upload", results.cli);
  row("wire ceiling", results.ceiling);
  row("official SDK", results.sdk);
  if (!args["skip-sdk"] && !results.sdk) log("official SDK: did not complete (see above)");
  const withoutStartup = results.ceiling.seconds / (results.cli.seconds - startupSeconds);
  log(`CLI / ceiling: ${((results.ceiling.seconds / results.cli.seconds) * 100).toFixed(0)}% (${(withoutStartup * 100).toFixed(0)}% without the CLI's ${startupSeconds.toFixed(2)} s start-up)${results.sdk ? `   CLI / SDK: ${(results.sdk.seconds / results.cli.seconds).toFixed(1)}x faster` : ""}`);
  return results;
}

/** The run with the median time (the upper one of an even count). */
function median(runs) {
  return [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
}

async function wideTree(count) {
  const dir = smallImages(join(CORPUS, `tree${count}`), count, true);
  log(`\n== tree: ${count} files`);
  let started;
  let firstArrived;
  let firstAnswered;
  // The server logs each request as it answers it, with the time it spent on it: the
  // first PostInputs line, less that time, is when the whole first request had arrived.
  const server = await startServe({
    onRequestLine(line) {
      const handled = /PostInputs .*\((\d+) ms\)/.exec(line);
      if (started === undefined || !handled) return;
      const answered = (performance.now() - started) / 1000;
      firstArrived = Math.min(firstArrived ?? Infinity, answered - Number(handled[1]) / 1000);
      firstAnswered ??= answered;
    },
  });
  try {
    const home = mkdtempSync(join(tmpdir(), "cu-bench-home-"));
    started = performance.now();
    const upload = await measure(process.execPath, cliArgs(server.address, dir, "tree"), { XDG_STATE_HOME: home });
    const first = summaryOf(upload.stdout);
    log(`first PostInputs received by the server ${firstArrived.toFixed(2)} s after the CLI started (answered after ${firstAnswered.toFixed(2)} s); full upload ${upload.seconds.toFixed(1)} s, ${first.uploaded} uploaded, peak RSS ${upload.peakMiB.toFixed(0)} MiB`);
    const reruns = [];
    for (let run = 0; run < RUNS; run++) reruns.push(await measure(process.execPath, cliArgs(server.address, dir, "tree"), { XDG_STATE_HOME: home }));
    const rerun = median(reruns);
    const again = summaryOf(rerun.stdout);
    log(`no-change re-run (median of ${reruns.map((r) => r.seconds.toFixed(2)).join(" ")} s): ${rerun.seconds.toFixed(2)} s, ${again.uploaded} uploaded, ${again.present} present, ${again.batches} batches, peak RSS ${rerun.peakMiB.toFixed(0)} MiB`);
    // What a cron wrapper runs next: look up every acknowledged input on the server.
    const status = await measure(process.execPath, [BIN, "status", first.job, "--pat", "bench"], { XDG_STATE_HOME: home });
    if (status.code !== 0) throw new Error(`status exited with ${status.code}: ${status.stderr}`);
    log(`status of the job: ${status.seconds.toFixed(2)} s (${status.stdout.trim()}), peak RSS ${status.peakMiB.toFixed(0)} MiB`);
    rmSync(home, { recursive: true, force: true });
  } finally {
    await server.stop();
  }
}

/**
 * Peak memory of the CLI alone on inputs that are large one by one, where the benchmark's
 * other corpora are large in number: a video just under its 128 MiB limit (held whole
 * while it is sent), 20 texts of 15 MiB (checked for UTF-8 before they are sent), and
 * the large images with ids from their content (hashed before they are sent).
 */
async function memory() {
  const video = largeVideo(join(CORPUS, "video128"), 128 * 1024 * 1024 - 4096, join(ROOT, "fixtures", "media", "video.mp4"));
  const texts = largeTexts(join(CORPUS, "text20x15"), 20, 15);
  const cases = [
    ["one video 4 KiB under the 128 MiB limit", video, []],
    ["20 texts of 15 MiB", texts, []],
    [`${args.large} x ${args["large-mib"]} MiB images, --id-from hash`, large, ["--id-from", "hash"]],
  ];
  log("\n== memory: large inputs, the CLI alone");
  for (const [name, dir, extra] of cases) {
    const files = listFiles(dir);
    const result = await withServe(async (address) => {
      const home = mkdtempSync(join(tmpdir(), "cu-bench-home-"));
      const cli = await measure(process.execPath, cliArgs(address, dir, "memory", extra), { XDG_STATE_HOME: home });
      rmSync(home, { recursive: true, force: true });
      const summary = summaryOf(cli.stdout);
      if (summary.uploaded !== files.length) throw new Error(`CLI uploaded ${summary.uploaded} of ${files.length}: ${cli.stderr}`);
      return cli;
    });
    log(`${name.padEnd(42)} peak RSS ${result.peakMiB.toFixed(0)} MiB (${((result.peakMiB * 1024 * 1024) / 1e6).toFixed(0)} MB), ${result.seconds.toFixed(2)} s`);
  }
}

/** Requests in flight in the ceilings scenario, for all three clients. */
const CEILINGS_IN_FLIGHT = 4;

/** The CLI's upload of `dir` as a user runs it, with its CPU time; fails unless every file was uploaded. */
async function cliUpload(address, dir, app, concurrency) {
  const home = mkdtempSync(join(tmpdir(), "cu-bench-home-"));
  const cli = await measure(process.execPath, cliArgs(address, dir, app, [], concurrency), { XDG_STATE_HOME: home });
  rmSync(home, { recursive: true, force: true });
  const summary = summaryOf(cli.stdout);
  if (summary.uploaded !== listFiles(dir).length) throw new Error(`CLI uploaded ${summary.uploaded}: ${cli.stderr}`);
  return cli;
}

/**
 * Small files against two ceilings, every client with the same requests in flight: the
 * wire (requests encoded beforehand, only sending timed) and a naive uploader (reads its
 * 128 files per request with readFileSync, encodes with protobufjs). The naive uploader
 * runs twice: in its own process timed from start to exit, as a user runs a script and as
 * the CLI is timed; and inside this process, warm, timed from listing the folder: no
 * start-up, its code already compiled by the runs before. Against `serve`, and against a
 * stand-in server that only decodes the requests, so that the server is not what is
 * measured; the stand-in also reports its upload window (first request taken to last
 * answered), the server's view of each client's speed. The CLI's CPU per input is printed too.
 */
async function ceilings(dir) {
  const count = listFiles(dir).length;
  const inFlight = CEILINGS_IN_FLIGHT;
  log(`\n== small images against two ceilings: ${count} files, ${inFlight} requests in flight`);
  for (const [serverName, conditions] of [["serve", {}], ["stand-in server", { standIn: true }]]) {
    const runs = { wire: [], naive: [], naiveWarm: [], cli: [] };
    for (let run = 0; run < RUNS; run++) {
      runs.wire.push(await withServe((address) => ceiling(address, dir, "wire", inFlight), conditions));
      runs.naive.push(await withServe((address) => naiveProcess(address, dir, inFlight), conditions));
      runs.naiveWarm.push(await withServe((address) => {
        const { stub, call } = client(address);
        const send = async (request) => (await call("postInputs", request)).status.code;
        return naiveUpload({ dir, app: "naive", concurrency: inFlight, send }).finally(() => stub.close());
      }, conditions));
      runs.cli.push(await withServe((address) => cliUpload(address, dir, "cli", inFlight), conditions));
    }
    const medians = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, median(list)]));
    const { wire, naive, naiveWarm, cli } = medians;
    const seconds = (list) => list.map((r) => r.seconds.toFixed(2)).join(" ");
    const rate = (r) => `${(count / r.seconds).toFixed(0).padStart(6)} inputs/s ${r.seconds.toFixed(2).padStart(6)} s`;
    log(`-- against ${serverName} (runs, s: wire ${seconds(runs.wire)}; naive ${seconds(runs.naive)}; naive, warm ${seconds(runs.naiveWarm)}; CLI ${seconds(runs.cli)})`);
    log(`clarifai-upload              ${rate(cli)}  peak RSS ${cli.peakMiB.toFixed(0)} MiB`);
    log(`naive uploader, own process  ${rate(naive)}  peak RSS ${naive.peakMiB.toFixed(0)} MiB`);
    log(`naive uploader, warm         ${rate(naiveWarm)}`);
    log(`wire ceiling                 ${rate(wire)}`);
    const ratio = (other) => (other.seconds / cli.seconds).toFixed(2);
    log(`cli/naive ${ratio(naive)} (own processes, both timed from start to exit)   cli/naive warm ${ratio(naiveWarm)} (${(naiveWarm.seconds / (cli.seconds - startupSeconds)).toFixed(2)} without the CLI's start-up)   cli/wire ${ratio(wire)} (${(wire.seconds / (cli.seconds - startupSeconds)).toFixed(2)})`);
    // The server's view, where there is one: inputs per second from the first request it
    // took to the last it answered. Start-up and the walk before the first request are outside it.
    const windows = Object.fromEntries(Object.entries(runs).map(([name, list]) => [name, medianWindow(list)]));
    if (Object.values(windows).every((w) => w !== undefined)) {
      const windowRate = (w) => (w.inputs / w.seconds).toFixed(0);
      log(`in the server's upload window, inputs/s: CLI ${windowRate(windows.cli)}, naive ${windowRate(windows.naive)}, naive warm ${windowRate(windows.naiveWarm)}, wire ${windowRate(windows.wire)}; cli/naive ${(windows.naive.seconds / windows.cli.seconds).toFixed(2)}, cli/naive warm ${(windows.naiveWarm.seconds / windows.cli.seconds).toFixed(2)}, cli/wire ${(windows.wire.seconds / windows.cli.seconds).toFixed(2)}`);
    }
    const cpus = runs.cli.map((r) => r.cpuSeconds).filter((c) => c !== undefined);
    if (cpus.length) {
      const perInput = (cpu) => ((cpu * 1e6) / count).toFixed(0);
      log(`CLI CPU per input: ${cpus.map(perInput).join(", ")} µs; without start-up (${startupCpuSeconds.toFixed(2)} s of CPU): ${cpus.map((c) => perInput(c - startupCpuSeconds)).join(", ")} µs`);
      const naiveCpus = runs.naive.map((r) => r.cpuSeconds).filter((c) => c !== undefined);
      if (naiveCpus.length) log(`naive uploader CPU per input, own process: ${naiveCpus.map(perInput).join(", ")} µs`);
    }
    // What runs beside the main thread: V8 compiling hot code, its GC helpers, the thread pool.
    const threads = runs.cli.map((r) => r.threadCpuSeconds).filter((t) => t !== undefined);
    if (threads.length) log(`CLI CPU by thread, s: main ${threads.map((t) => t.main.toFixed(2)).join(", ")}; others ${threads.map((t) => t.others.toFixed(2)).join(", ")}`);
  }
}

/**
 * The small files again, the CLI and the naive uploader each under valgrind against the
 * stand-in server: instructions per input, which a shared machine does not blur.
 */
async function instructions(dir) {
  log(`\n== small images, instructions per input (valgrind's callgrind, against the stand-in server)`);
  if (!haveValgrind()) {
    log("skipped: valgrind is not installed");
    return;
  }
  const count = listFiles(dir).length;
  await withServe(async (address) => {
    instructionsPerInput({ dir, count, address, cliArgs: (server, folder) => cliArgs(server, folder, "instructions", [], CEILINGS_IN_FLIGHT), naiveScript: join(ROOT, "bench", "naive-upload.mjs"), log });
    return {};
  }, { standIn: true });
}

/** The naive uploader in its own process, as a user runs a script: timed from start to exit. */
async function naiveProcess(address, dir, concurrency) {
  const run = await measure(process.execPath, [join(ROOT, "bench", "naive-upload.mjs"), dir, address, String(concurrency)]);
  if (run.code !== 0) throw new Error(`naive uploader exited with ${run.code}: ${run.stderr}`);
  return run;
}

/** The median upload window of `runs` (each from one stand-in server), if every run has one. */
function medianWindow(runs) {
  if (!runs.every((r) => r.window)) return undefined;
  return median(runs.map((r) => r.window));
}

/**
 * Jobs of very many tiny files (spread over 1,000 folders), against the stand-in server:
 * time and peak RSS of the process tree for a dry run, the upload and a no-change re-run,
 * beside a bare walk that stats every file, one that reads every file, and the naive
 * uploader.
 */
async function scale(counts) {
  const bare = (mode, dir) => measure(process.execPath, [join(ROOT, "bench", "bare-walk.mjs"), mode, dir]);
  const peaks = [];
  for (const count of counts) {
    log(`\n== scale: ${count} tiny PNGs in 1,000 folders (building them once takes about 80 s per million)`);
    const dir = tinyTree(join(CORPUS, `scale${count}`), count, 1000);
    const home = mkdtempSync(join(tmpdir(), "cu-bench-home-"));
    const server = await startServe({ standIn: true });
    const cli = async (what, extra, { json = true } = {}) => {
      const result = await measure(process.execPath, cliArgs(server.address, dir, "scale", extra, CONCURRENCY, { json }), { XDG_STATE_HOME: home });
      const summary = summaryOf(result.stdout, result.stderr);
      const cpu = result.cpuSeconds === undefined ? "" : `, CPU ${result.cpuSeconds.toFixed(1)} s (${((result.cpuSeconds * 1e6) / count).toFixed(0)} µs per input)`;
      log(`${what.padEnd(26)} ${result.seconds.toFixed(2).padStart(7)} s  peak RSS ${result.peakMiB.toFixed(0).padStart(4)} MiB${cpu}; ${summary.uploaded} uploaded, ${summary.present} present`);
      return result;
    };
    const line = (what, r) => log(`${what.padEnd(26)} ${r.seconds.toFixed(2).padStart(7)} s  peak RSS ${r.peakMiB.toFixed(0).padStart(4)} MiB`);
    try {
      const readAll = await bare("read", dir);
      line("bare walk, read each file", readAll);
      const dry = await cli("--dry-run", ["--dry-run"]);
      const upload = await cli("upload", []);
      // The naive uploader on the same files, as many requests in flight: what the CLI's
      // validation, content identity and crash-safe state cost once start-up is spread thin.
      const { stub, call } = client(server.address);
      const naive = await naiveUpload({ dir, app: "naive-scale", concurrency: CONCURRENCY, send: async (request) => (await call("postInputs", request)).status.code }).finally(() => stub.close());
      log(`${"naive uploader".padEnd(26)} ${naive.seconds.toFixed(2).padStart(7)} s  (CLI / naive ${(naive.seconds / upload.seconds).toFixed(2)})`);
      // The re-run and the stat walk take seconds: they alternate --runs times, and each
      // pair gives a ratio, so that a busy moment of the machine shows as one odd pair. The
      // re-run runs as a cron job runs it (nothing on stdout, the summary on stderr), and
      // with --json, which writes a line per input: 130 MB for a million.
      const ratios = { plain: [], json: [] };
      let rerunPeakMiB = 0;
      for (let run = 0; run < RUNS; run++) {
        const statAll = await bare("stat", dir);
        line("bare walk, stat each file", statAll);
        for (const json of [false, true]) {
          const rerun = await cli(json ? "no-change re-run, --json" : "no-change re-run", [], { json });
          ratios[json ? "json" : "plain"].push(rerun.seconds / statAll.seconds);
          rerunPeakMiB = Math.max(rerunPeakMiB, rerun.peakMiB);
        }
      }
      const medianRatio = (list) => {
        const sorted = [...list].sort((a, b) => a - b);
        const pairs = list.length > 1 ? ` (median of ${list.map((ratio) => `${ratio.toFixed(2)}x`).join(", ")})` : "";
        return `${sorted[Math.floor(sorted.length / 2)].toFixed(2)}x${pairs}`;
      };
      log(`dry run / read walk ${(dry.seconds / readAll.seconds).toFixed(2)}x`);
      log(`re-run / stat walk ${medianRatio(ratios.plain)}; with --json ${medianRatio(ratios.json)}`);
      peaks.push({ count, dry: dry.peakMiB, upload: upload.peakMiB, rerun: rerunPeakMiB, uploadCpu: upload.cpuSeconds, dryCpu: dry.cpuSeconds });
    } finally {
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }
  if (peaks.length > 1) {
    const [first, last] = [peaks[0], peaks[peaks.length - 1]];
    const growth = (key) => `${((last[key] / first[key] - 1) * 100).toFixed(0)}%`;
    log(`peak RSS, ${last.count} files against ${first.count}: dry run ${growth("dry")}, upload ${growth("upload")}, re-run ${growth("rerun")}`);
    // What one more input costs, free of what any run pays once (start-up, JIT warm-up,
    // opening the job): the difference of the two runs' CPU over the difference of their inputs.
    if (first.uploadCpu !== undefined && last.uploadCpu !== undefined) {
      const marginal = (key) => (((last[key] - first[key]) * 1e6) / (last.count - first.count)).toFixed(0);
      log(`CPU per added input, ${first.count} to ${last.count} files: upload ${marginal("uploadCpu")} µs, dry run ${marginal("dryCpu")} µs`);
    }
  }
}

if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) throw new Error("build first: npm run build");
log(`building corpora under ${relative(ROOT, CORPUS)}/ (kept between runs)`);
log(PINNED ? "the server runs on CPU 0, the clients on CPU 1 (--shared-cores to let them share)" : "the server and the clients share the CPUs");
const small = smallImages(join(CORPUS, `flat${args.small}`), Number(args.small));
const platformSmall = smallImages(join(CORPUS, `flat${args.platform}`), Number(args.platform));
const large = largeImages(join(CORPUS, `large${args.large}x${args["large-mib"]}`), Number(args.large), Number(args["large-mib"]));
const only = new Set(args.only.split(","));
// What any run of the CLI pays before and after its work (Node's start, loading the modules,
// exiting): the ceiling's timer starts after its own. Median of five `--version` runs.
const startupRuns = [];
for (let run = 0; run < 5; run++) startupRuns.push(await measure(process.execPath, [BIN, "--version"]));
const startupSeconds = median(startupRuns).seconds;
const startupCpuSeconds = median(startupRuns).cpuSeconds ?? 0;
log(`CLI start-up and exit (clarifai-upload --version): ${startupSeconds.toFixed(2)} s`);
if (only.has("small")) await scenario("small images", small);
if (only.has("latency")) await scenario("small images", small, { latencyMs: 50 });
// Like the platform: answers take a round trip, and inputs stay pending while they are processed.
if (only.has("platform")) await scenario("small images", platformSmall, { latencyMs: 50, processingDelayMs: 1000 });
if (only.has("large")) await scenario("large images", large);
if (only.has("tree") && Number(args.tree) > 0) await wideTree(Number(args.tree));
if (only.has("memory")) await memory();
if (only.has("ceilings")) await ceilings(small);
if (only.has("instructions")) await instructions(small);
if (only.has("scale")) await scale(args.scale.split(",").map(Number).filter((n) => n > 0));
