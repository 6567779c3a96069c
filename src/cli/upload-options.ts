import { Command, Option } from "commander";
import { DEFAULT_RETRY_POLICY } from "../api/retry.js";
import { UsageError } from "../errors.js";
import { checkBatchLimits, DEFAULT_BATCH_LIMITS, type BatchLimits } from "../plan/batcher.js";
import type { IdFrom } from "../plan/ids.js";
import type { AnnotationFormat } from "../sources/labels/types.js";
import type { GeoPoint } from "../sources/candidate.js";
import { ConceptError, parseConceptList, type Concept } from "../sources/concepts.js";
import type { InputDefaults } from "../upload/request.js";
import { ID_CONFLICT_POLICIES, type IdConflictPolicy } from "../upload/conflicts.js";
import type { Shard } from "../upload/pipeline.js";
import { DEFAULT_RATE_LIMIT_RPS, MAX_INPUT_ID_LENGTH, MiB } from "../validate/limits.js";

/** The longest --id-prefix: an id made with it keeps room for at least 16 characters of the name. */
const MAX_ID_PREFIX = 32;

/** The upload options as commander hands them over (every upload command shares them). */
export interface RawUploadOptions {
  dataset?: string;
  concepts?: string;
  labelsFromFolder?: boolean;
  metadata?: string;
  geo?: string;
  idFrom: string;
  idPrefix: string;
  batchSize: string;
  batchBytes: string;
  concurrency: string;
  rps: string;
  maxRetries: string;
  shard?: string;
  wait?: boolean;
  dryRun?: boolean;
  failedOut?: string;
  job?: string;
  jobLog?: string;
  local?: string | boolean;
  allowDuplicateUrls?: boolean;
  transform?: string;
  annotations?: string;
  annotationsFormat: string;
  sidecars?: boolean;
  idConflict: string;
  maxProcessingAttempts: string;
}

/** The same options, checked and typed. */
export interface UploadOptions {
  defaults: InputDefaults;
  idFrom: IdFrom;
  idPrefix: string;
  batchLimits: BatchLimits;
  concurrency: number;
  rps: number;
  maxRetries: number;
  shard?: Shard;
  wait: boolean;
  dryRun: boolean;
  failedOut?: string;
  job?: string;
  jobLog?: string;
  /** `--local` without a folder is `true`: the default data folder. */
  local?: string | true;
  /** `--transform MODULE`: path of the user's module. */
  transform?: string;
  annotations?: string;
  annotationsFormat: AnnotationFormat | "auto";
  sidecars: boolean;
  idConflict: IdConflictPolicy;
  maxProcessingAttempts: number;
}

export const DEFAULT_CONCURRENCY = 8;
export const DEFAULT_MAX_PROCESSING_ATTEMPTS = 3;

/** The help of `--concepts`, wherever it is taken. */
export const CONCEPTS_HELP = "concepts for every input: cat,dog (value 1) or cat:0.8,dog:0 (0: a negative concept)";

/** Adds the shared upload options to an upload command. Defined once, here. */
export function addUploadOptions(command: Command): Command {
  return command
    .option("--dataset <id>", "add every input to this dataset (created when missing)")
    .option("--concepts <list>", CONCEPTS_HELP)
    .option("--labels-from-folder", "use each file's parent folder name as a concept (class-folder layout)")
    .option("--metadata <json>", "JSON object merged over the default {\"filename\", \"path\"} metadata")
    .option("--geo <lon,lat>", "geo point for every input")
    .addOption(new Option("--id-from <source>", "derive input ids from the relative path, the file name or a content hash").choices(["path", "name", "hash"]).default("path"))
    .option("--id-prefix <prefix>", "prefix for every input id", "")
    .option("--batch-size <n>", "inputs per request (1-128)", String(DEFAULT_BATCH_LIMITS.maxInputs))
    .option("--batch-bytes <size>", "bytes per request, e.g. 16MiB (under 128 MiB)", "16MiB")
    .option("--concurrency <n>", "requests in flight, 1 to 64", String(DEFAULT_CONCURRENCY))
    .option("--rps <n>", "requests per second at most (0: no limit)", String(DEFAULT_RATE_LIMIT_RPS))
    .option("--max-retries <n>", "retries of a request or input that failed transiently", String(DEFAULT_RETRY_POLICY.maxRetries))
    .option("--shard <i/n>", "process only shard I of N (0-based), split by a stable hash of the input id")
    .option("--wait", "after sending, follow processing and report inputs that failed it")
    .option("--dry-run", "walk, validate and plan; send nothing")
    .option("--failed-out <file.csv>", "write every rejected or failed input, with its reason, as a manifest")
    .option("--job <name>", "job name (default: derived from the command, source and target)")
    .option("--job-log <path>", "job log file (default: under $XDG_STATE_HOME/clarifai-upload/jobs)")
    .option("--local [dir]", "upload to an embedded local server (data in DIR or the default folder); no PAT needed")
    .option("--transform <module>", "JavaScript module whose function changes each input before it is sent, or returns null to skip it")
    .option("--annotations <path>", "post regions from a COCO JSON file, a YOLO folder or Ultralytics dataset YAML, or a Pascal VOC folder once each image is accepted")
    .addOption(new Option("--annotations-format <format>", "format of --annotations").choices(["auto", "coco", "yolo", "voc"]).default("auto"))
    .option("--sidecars", "read photo.jpg.json beside each file: concepts, metadata, geo and regions")
    .addOption(new Option("--id-conflict <how>", "an id the server holds with other content: fail (report it), skip (keep the server's), suffix (add a digest to the id), replace (delete and send again)").choices(ID_CONFLICT_POLICIES).default("fail"))
    .option("--max-processing-attempts <n>", "re-runs delete and resend an input that failed processing, up to this many attempts in all", String(DEFAULT_MAX_PROCESSING_ATTEMPTS));
}

/**
 * Checks of what is typed on the command line, beyond `parseUploadOptions`'s: not made of
 * the options a job saved (`resume`, `status --retry`), which an earlier version took.
 */
export function checkTyped<T extends RawUploadOptions>(raw: T): T {
  if (raw.idPrefix.length > MAX_ID_PREFIX) throw new UsageError(`--id-prefix ${raw.idPrefix}: at most ${MAX_ID_PREFIX} characters (an id has at most ${MAX_INPUT_ID_LENGTH}, and the rest is for the name)`);
  return raw;
}

export function parseUploadOptions(raw: RawUploadOptions): UploadOptions {
  const batchLimits: BatchLimits = { maxInputs: parseInteger(raw.batchSize, "--batch-size"), maxBytes: parseSize(raw.batchBytes, "--batch-bytes") };
  const problem = checkBatchLimits(batchLimits);
  if (problem) throw new UsageError(problem);
  const concurrency = parseInteger(raw.concurrency, "--concurrency");
  if (concurrency < 1 || concurrency > 64) throw new UsageError("--concurrency must be from 1 to 64");
  const rps = Number(raw.rps);
  if (!Number.isFinite(rps) || rps < 0) throw new UsageError(`--rps ${raw.rps}: must be a number >= 0`);
  const maxRetries = parseInteger(raw.maxRetries, "--max-retries");
  if (maxRetries < 0) throw new UsageError("--max-retries must be >= 0");
  if (raw.idPrefix && !/^[A-Za-z0-9_-]*$/.test(raw.idPrefix)) throw new UsageError(`--id-prefix ${raw.idPrefix}: only letters, digits, _ and - are allowed in input ids`);
  const maxProcessingAttempts = parseInteger(raw.maxProcessingAttempts ?? String(DEFAULT_MAX_PROCESSING_ATTEMPTS), "--max-processing-attempts");
  if (maxProcessingAttempts < 1) throw new UsageError("--max-processing-attempts must be at least 1");
  const idConflict = (raw.idConflict ?? "fail") as IdConflictPolicy;
  if (!ID_CONFLICT_POLICIES.includes(idConflict)) throw new UsageError(`--id-conflict ${raw.idConflict}: expected one of ${ID_CONFLICT_POLICIES.join(", ")}`);
  if (raw.dataset !== undefined && !/^[A-Za-z0-9_-]{1,48}$/.test(raw.dataset)) throw new UsageError(`--dataset ${raw.dataset}: dataset ids are 1 to 48 letters, digits, _ and -`);
  return {
    defaults: {
      datasetId: raw.dataset,
      concepts: parseConcepts(raw.concepts),
      labelsFromFolder: raw.labelsFromFolder ?? false,
      metadata: parseMetadata(raw.metadata),
      geo: raw.geo === undefined ? undefined : parseGeo(raw.geo),
      allowDuplicateUrl: raw.allowDuplicateUrls ?? false,
    },
    idFrom: raw.idFrom as IdFrom,
    idPrefix: raw.idPrefix,
    batchLimits,
    concurrency,
    rps,
    maxRetries,
    shard: raw.shard === undefined ? undefined : parseShard(raw.shard),
    wait: raw.wait ?? false,
    dryRun: raw.dryRun ?? false,
    failedOut: raw.failedOut,
    job: raw.job,
    jobLog: raw.jobLog,
    local: raw.local === undefined || raw.local === false ? undefined : raw.local === true ? true : raw.local,
    transform: raw.transform,
    annotations: raw.annotations,
    annotationsFormat: raw.annotationsFormat as AnnotationFormat | "auto",
    sidecars: raw.sidecars ?? false,
    idConflict,
    maxProcessingAttempts,
  };
}

export function parseInteger(text: string, flag: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} ${text}: expected a whole number`);
  return Number(text);
}

const SIZE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1000, kb: 1000, kib: 1024, m: 1e6, mb: 1e6, mib: MiB, g: 1e9, gb: 1e9, gib: 1024 * MiB };

/** `32MiB`, `50MB`, `1048576`: decimal and binary units. */
export function parseSize(text: string, flag: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2].toLowerCase()] : undefined;
  if (!match || unit === undefined) throw new UsageError(`${flag} ${text}: expected a size such as 32MiB or 50MB`);
  return Math.floor(Number(match[1]) * unit);
}

/** `--concepts cat,dog:0`: names with an optional `:value` (1 unless given; 0 a negative concept). */
export function parseConcepts(text: string | undefined): Concept[] {
  if (text === undefined) return [];
  try {
    const concepts = parseConceptList(text);
    // An empty list is most likely an empty shell variable: say so rather than send no concept.
    if (concepts.length === 0) throw new UsageError(`--concepts '${text}' names no concept (leave the option out for none)`);
    return concepts;
  } catch (error) {
    if (error instanceof ConceptError) throw new UsageError(`--concepts: ${error.message}`);
    throw error;
  }
}

export function parseMetadata(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--metadata: not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new UsageError("--metadata: must be a JSON object, e.g. '{\"split\":\"train\"}'");
  return value as Record<string, unknown>;
}

export function parseGeo(text: string): GeoPoint {
  const parts = text.split(",").map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part))) throw new UsageError(`--geo ${text}: expected LON,LAT, e.g. -122.42,37.77`);
  const [longitude, latitude] = parts;
  if (longitude < -180 || longitude > 180) throw new UsageError(`--geo ${text}: longitude must be from -180 to 180`);
  if (latitude < -90 || latitude > 90) throw new UsageError(`--geo ${text}: latitude must be from -90 to 90`);
  return { longitude, latitude };
}

function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!match) throw new UsageError(`--shard ${text}: expected I/N, e.g. 0/4`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index >= count) throw new UsageError(`--shard ${text}: I must be from 0 to N-1`);
  return { index, count };
}
