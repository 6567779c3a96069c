import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Command, Option } from "commander";
import { DataSourceCredentials, Input, InputIDConflictResolution } from "../gen/clarifai/api/resources.js";
import { readProblem, UsageError } from "../errors.js";
import { EXIT } from "../report/exit-codes.js";
import { chooseMode, createReporter } from "../report/reporter.js";
import type { Caller } from "../api/caller.js";
import { DEFAULT_RATE_LIMIT_RPS } from "../validate/limits.js";
import { callerFor } from "../upload/caller-for.js";
import { ensureDataset } from "../upload/dataset.js";
import { EventBus } from "../upload/events.js";
import { describeExtraction, extractionEnded, followIngestJob } from "../upload/ingest-job.js";
import { onInterrupt } from "../upload/signals.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { connect } from "./connect.js";
import type { GlobalOptions } from "./global-options.js";
import type { CommandRunner } from "./upload-commands.js";
import { CONCEPTS_HELP, parseConcepts, parseInteger, parseMetadata } from "./upload-options.js";

interface CloudFlags {
  awsRegion?: string;
  gcpCredentials?: string;
  azureAccountName?: string;
  azureAccountKey?: string;
  dataset?: string;
  concepts?: string;
  metadata?: string;
  idConflict: "skip" | "suffix";
  jobId?: string;
  wait?: boolean;
  local?: string | boolean;
}

/**
 * Credentials for the URL's kind of storage, from flags and the standard environment
 * variables. They travel only inside the request; nothing here prints or logs them.
 */
export function credentialsFor(url: string, flags: CloudFlags, env: NodeJS.ProcessEnv = process.env): DataSourceCredentials | undefined {
  if (url.startsWith("s3://")) {
    const id = env.AWS_ACCESS_KEY_ID;
    const secret = env.AWS_SECRET_ACCESS_KEY;
    if (!id && !secret && !flags.awsRegion) return undefined;
    if (Boolean(id) !== Boolean(secret)) throw new UsageError("set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or neither");
    return DataSourceCredentials.fromPartial({ s3Creds: { region: flags.awsRegion ?? env.AWS_REGION ?? "", id: id ?? "", secret: secret ?? "", token: env.AWS_SESSION_TOKEN ?? "" } });
  }
  if (url.startsWith("gs://")) {
    if (!flags.gcpCredentials) return undefined;
    let bytes: Buffer;
    try {
      bytes = readFileSync(flags.gcpCredentials);
    } catch (error) {
      throw new UsageError(`--gcp-credentials ${flags.gcpCredentials}: ${readProblem(error)}`);
    }
    return DataSourceCredentials.fromPartial({ gcpCreds: bytes });
  }
  const accountName = flags.azureAccountName ?? env.AZURE_STORAGE_ACCOUNT;
  const accountKey = flags.azureAccountKey ?? env.AZURE_STORAGE_KEY;
  if (accountName || accountKey) {
    if (!accountName || !accountKey) throw new UsageError("Azure needs both an account name (--azure-account-name or AZURE_STORAGE_ACCOUNT) and a key (--azure-account-key or AZURE_STORAGE_KEY)");
    return DataSourceCredentials.fromPartial({ azureBlobCreds: { accountName, accountKey } });
  }
  return undefined;
}

/** The input template every input of the job gets: dataset, concepts, metadata. */
export function inputTemplate(flags: Pick<CloudFlags, "dataset" | "concepts" | "metadata">): Input | undefined {
  const concepts = parseConcepts(flags.concepts);
  const metadata = flags.metadata === undefined ? undefined : parseMetadata(flags.metadata);
  if (!flags.dataset && concepts.length === 0 && !metadata) return undefined;
  return Input.fromPartial({
    data: { concepts: concepts.map(({ id, name, value }) => ({ id, name, value })), metadata },
    datasetIds: flags.dataset ? [flags.dataset] : [],
  });
}

function conflictResolution(flag: CloudFlags["idConflict"]): InputIDConflictResolution {
  return flag === "suffix" ? InputIDConflictResolution.SUFFIX : InputIDConflictResolution.SKIP;
}

export function cloudCommands(runner: CommandRunner): Command[] {
  const cloud = new Command("cloud")
    .description("let the platform pull inputs from cloud storage: s3://, gs:// or Azure blob URLs, as a prefix filter")
    .argument("<url>", "bucket URL; a prefix: s3://bucket/images/abc takes abc* files and abc*/ folders")
    .option("--aws-region <region>", "region of an S3 bucket (keys come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)")
    .option("--gcp-credentials <file>", "service account JSON for a gs:// bucket")
    .option("--azure-account-name <name>", "Azure storage account [env AZURE_STORAGE_ACCOUNT]")
    .option("--azure-account-key <key>", "Azure storage key [env AZURE_STORAGE_KEY; prefer it: flags show in process lists]")
    .option("--dataset <id>", "add every input to this dataset (created when missing)")
    .option("--concepts <list>", CONCEPTS_HELP)
    .option("--metadata <json>", "JSON object for every input's metadata")
    .addOption(new Option("--id-conflict <how>", "an input id that exists already: skip the input, or suffix the id").choices(["skip", "suffix"]).default("skip"))
    .option("--job-id <id>", "inputs-add job id (default: a new random one)")
    .option("--wait", "follow the job until it completes, fails or is cancelled")
    .option("--local [dir]", "use an embedded local server (data in DIR)")
    .action(async (url: string, flags: CloudFlags, command: Command) => {
      await runner(() => runCloud(url, flags, command.optsWithGlobals<GlobalOptions>()));
    });

  const extraction = new Command("extraction").description("inputs extraction jobs of cloud and archive uploads");
  extraction
    .command("list")
    .description("list extraction jobs, newest first")
    .option("--page <n>", "page", "1")
    .option("--per-page <n>", "jobs per page", "50")
    .action(async (flags: { page: string; perPage: string; local?: string | boolean }, command: Command) => {
      await runner(() => withCaller(command, async (caller, global) => {
        const answer = await caller.call("listInputsExtractionJobs", { page: parseInteger(flags.page, "--page"), perPage: parseInteger(flags.perPage, "--per-page") });
        for (const job of answer.inputsExtractionJobs) print(global, { event: "extraction", ...extractionJson(job) }, describeExtraction(job));
        return EXIT.ok;
      }));
    });
  extraction
    .command("get")
    .description("show one extraction job")
    .argument("<id>", "extraction job id")
    .action(async (id: string, _flags: object, command: Command) => {
      await runner(() => withCaller(command, async (caller, global) => {
        const { inputsExtractionJob } = await caller.call("getInputsExtractionJob", { inputsExtractionJobId: id });
        if (!inputsExtractionJob) throw new UsageError(`no extraction job ${id}`);
        print(global, { event: "extraction", ...extractionJson(inputsExtractionJob) }, describeExtraction(inputsExtractionJob));
        return EXIT.ok;
      }));
    });
  extraction
    .command("cancel")
    .description("cancel extraction jobs")
    .argument("<ids...>", "extraction job ids")
    .action(async (ids: string[], _flags: object, command: Command) => {
      await runner(() => withCaller(command, async (caller, global) => {
        const answer = await caller.call("cancelInputsExtractionJobs", { ids });
        for (const job of answer.inputsExtractionJobs) print(global, { event: "extraction", ...extractionJson(job) }, describeExtraction(job));
        return EXIT.ok;
      }));
    });
  for (const sub of extraction.commands) sub.option("--local [dir]", "use an embedded local server (data in DIR)");
  return [cloud, extraction];
}

async function withCaller(command: Command, use: (caller: Caller, global: GlobalOptions) => Promise<number>): Promise<number> {
  const global = command.optsWithGlobals<GlobalOptions & { local?: string | boolean }>();
  const connection = await connect(global, localOf(global.local));
  try {
    return await use(callerFor(connection.client, { rps: DEFAULT_RATE_LIMIT_RPS }), global);
  } finally {
    await connection.close();
  }
}

function localOf(local: string | boolean | undefined): string | true | undefined {
  return local === undefined || local === false ? undefined : local;
}

function print(global: GlobalOptions, value: object, text: string): void {
  process.stdout.write(global.json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

function extractionJson(job: { id: string; url: string; status?: { code: number; description: string }; progress?: object }): object {
  return { id: job.id, url: job.url, status: job.status?.code, description: job.status?.description, progress: job.progress };
}

async function runCloud(url: string, flags: CloudFlags, global: GlobalOptions): Promise<number> {
  if (!/^(s3|gs|https?):\/\//.test(url) && !url.startsWith("file://")) throw new UsageError(`${url}: expected an s3://, gs://, https:// (Azure blob) or file:// URL`);
  const credentials = credentialsFor(url, flags);
  const template = inputTemplate(flags);
  const reporter = createReporter({ mode: chooseMode(global), verbose: global.verbose ?? false });
  const bus = new EventBus();
  bus.on(reporter.listener);
  const connection = await connect(global, localOf(flags.local));
  const interrupt = onInterrupt(() => undefined);
  const caller = callerFor(connection.client, { rps: DEFAULT_RATE_LIMIT_RPS, bus, cancel: interrupt.cancel });
  try {
    if (flags.dataset) await ensureDataset(caller, flags.dataset);
    const jobId = flags.jobId ?? randomBytes(16).toString("hex");
    const answer = await caller.call("postInputsDataSources", {
      dataSources: [{ inputsAddJobId: jobId, url: { url, credentials }, inputIdConflictResolution: conflictResolution(flags.idConflict), inputTemplate: template }],
      callBackUrl: "",
    });
    const job = answer.inputsAddJobs[0];
    const extractionIds = job?.extractionJobs.map((extraction) => extraction.id) ?? [];
    reporter.note(`inputs-add job ${job?.id ?? jobId}; extraction job(s) ${extractionIds.join(", ") || "none yet"}`);
    if (!flags.wait) {
      reporter.note(`follow it with: clarifai-upload extraction get ${extractionIds[0] ?? "ID"}`);
      return EXIT.ok;
    }
    const outcome = await followIngestJob(caller, job?.id ?? jobId, bus, interrupt.signal);
    for (const extraction of outcome.extractions) reporter.note(describeExtraction(extraction));
    if (!outcome.finished) {
      reporter.note(`stopped watching; the job goes on. Check: clarifai-upload extraction get ${extractionIds[0]}   Cancel: clarifai-upload extraction cancel ${extractionIds.join(" ")}`);
      return EXIT.interrupted;
    }
    const progress = outcome.job.progress;
    const failedExtraction = outcome.extractions.some((extraction) => extractionEnded(extraction) && extraction.status?.code !== StatusCode.JOB_COMPLETED);
    const summary = { event: "summary", job: outcome.job.id, outcome: failedExtraction ? "failed" : "done", uploaded: progress?.successCount ?? 0, failed: progress?.failedCount ?? 0, extraction_jobs: outcome.extractions.map(extractionJson) };
    reporter.flush();
    if (global.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else process.stderr.write(`  job       ${summary.job}\n  inputs    ${summary.uploaded} processed, ${summary.failed} failed\n`);
    return failedExtraction || summary.failed > 0 ? EXIT.someFailed : EXIT.ok;
  } finally {
    interrupt.remove();
    await connection.close();
  }
}
