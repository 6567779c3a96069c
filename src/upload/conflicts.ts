import type { Caller } from "../api/caller.js";
import type { Input } from "../gen/clarifai/api/resources.js";
import type { PlannedInput } from "../plan/batcher.js";
import { MAX_ID_LENGTH, namesakeId } from "../plan/ids.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { storedDigest } from "./content-digest.js";
import type { InputOutcome } from "./sender.js";
import type { Reason } from "../reasons.js";

/** `--id-conflict`: what to do when an input's id is taken on the server by other content. */
export type IdConflictPolicy = "fail" | "skip" | "suffix" | "replace";
export const ID_CONFLICT_POLICIES: readonly IdConflictPolicy[] = ["fail", "skip", "suffix", "replace"];

/** A duplicate-id answer, settled: what the input's state is now. */
export interface SettledDuplicate {
  input: PlannedInput;
  digest?: string;
  /** present: the server holds the same content; conflict: other content (reported); kept: other content, left as it is (--id-conflict skip); failed: the same content, whose processing failed there. */
  status: "present" | "conflict" | "kept" | "failed";
  reason?: Reason;
  message?: string;
  /** What the server holds under the id, as looked up. */
  stored?: Input;
}

/**
 * With `--id-from name`: an id the server holds for a file of the same name at another
 * path belongs to that file, as it would within one run, and this one takes the id a
 * second file of that name gets there (a hash of its path added). Otherwise whichever of
 * them a walk met first would take the id, and adding a file could make another conflict.
 */
export interface NamesakeRule {
  /** The `path` metadata the input is sent with. */
  pathOf: (input: PlannedInput) => unknown;
  /** The job log's latest record of the input's source names this id: it is the source's own, wherever the path metadata says it came from. */
  isOwn: (input: PlannedInput) => boolean;
  warn: (source: string, message: string) => void;
}

export interface DuplicateResolution {
  settled: SettledDuplicate[];
  /** Inputs to post again: under a new id (suffix), or under theirs once `deleteFirst` are deleted (replace). */
  resend: PlannedInput[];
  deleteFirst: string[];
}

/**
 * Settles the inputs whose ids the server said were taken (INPUT_DUPLICATE). Such an
 * input is `present` only when the input under its id is known to hold the same
 * content: the job log acknowledged that id with the same digest (`loggedDigest`), or
 * the server's input carries the same digest in its metadata (looked up in one
 * ListInputs call). Otherwise the policy decides. An input sent again already (`resent`)
 * is not sent yet again: a loop cannot form.
 */
export async function resolveDuplicates(
  caller: Caller | undefined,
  duplicates: readonly InputOutcome[],
  policy: IdConflictPolicy,
  loggedDigest: (input: PlannedInput) => string | undefined,
  namesake?: NamesakeRule,
): Promise<DuplicateResolution> {
  const resolution: DuplicateResolution = { settled: [], resend: [], deleteFirst: [] };
  if (duplicates.length === 0) return resolution;
  // Looked up even when the job log knows the digest: the answer also tells whether the
  // input failed processing there, and which datasets it is in.
  const onServer = caller ? await lookUp(caller, duplicates.map((outcome) => outcome.input.id)) : new Map<string, Input>();
  for (const outcome of duplicates) {
    const { input, digest } = outcome;
    // Each input's own round: a batch sent again may hold inputs renamed (not final) beside others.
    const final = input.resent === true;
    const stored = onServer.get(input.id);
    // An input sent before digests carries none: the job log's word for it is enough.
    const theirs = storedDigest(stored?.data?.metadata) ?? (stored ? loggedDigest(input) : undefined);
    if (digest !== undefined && theirs === digest) {
      if (stored?.status?.code !== StatusCode.INPUT_FAILED) {
        resolution.settled.push({ input, digest, status: "present", stored });
      } else if (final) {
        const message = `${input.accepted.candidate.source}: the server holds this content under id ${input.id}, but its processing failed`;
        resolution.settled.push({ input, digest, status: "failed", reason: "processing_failed", message });
      } else {
        // The same bytes, but they failed processing there: replace them, as a re-run of
        // the job that sent them would, and count the attempt.
        resolution.deleteFirst.push(input.id);
        resolution.resend.push({ ...input, processingFailures: (input.processingFailures ?? 0) + 1, renamed: undefined });
      }
      continue;
    }
    const source = input.accepted.candidate.source;
    const content = input.accepted.candidate.content;
    if (stored === undefined && content.kind === "url") {
      // No input has the id: the platform refused the URL itself, already stored under another id.
      const message = `${source}: the app already has an input with the URL ${content.url} (under another id); --allow-duplicate-urls adds it again`;
      resolution.settled.push({ input, digest, status: "present", reason: "duplicate_url", message });
      continue;
    }
    const elsewhere = stored?.data?.metadata?.path;
    if (namesake && !final && !input.renamed && typeof elsewhere === "string" && elsewhere !== namesake.pathOf(input) && !namesake.isOwn(input)) {
      const id = namesakeId(input.id, input.accepted.candidate.relPath);
      namesake.warn(source, `${source}: id ${input.id} is taken on the server by ${elsewhere}, another file of that name; using ${id}`);
      resolution.resend.push({ ...input, id, renamed: true });
      continue;
    }
    const what = `${source}: id ${input.id} is taken on the server by ${describeStored(stored, theirs)}; this file's content_sha256 is ${digest ?? "unknown"}`;
    if (policy === "skip") {
      resolution.settled.push({ input, digest, status: "kept", reason: "id_conflict", message: `${what}; kept the server's input (--id-conflict skip)` });
    } else if (policy === "fail" || final || digest === undefined) {
      const hint = policy === "fail" ? " (--id-conflict skip, suffix or replace decide otherwise)" : "";
      resolution.settled.push({ input, digest, status: "conflict", reason: "id_conflict", message: `${what}${hint}` });
    } else if (policy === "suffix") {
      resolution.resend.push({ ...input, id: suffixedId(input.id, digest), renamed: undefined });
    } else {
      resolution.deleteFirst.push(input.id);
      resolution.resend.push({ ...input, renamed: undefined });
    }
  }
  return resolution;
}

/** The id plus the first 8 hex digits of the content's digest, within the platform's id length. */
export function suffixedId(id: string, digest: string): string {
  const suffix = `-${digest.slice(0, 8)}`;
  return id.slice(0, MAX_ID_LENGTH - suffix.length) + suffix;
}

async function lookUp(caller: Caller, ids: readonly string[]): Promise<Map<string, Input>> {
  const answer = await caller.call("listInputs", { ids: [...ids], page: 1, perPage: ids.length, status: undefined });
  return new Map(answer.inputs.map((input) => [input.id, input]));
}

function describeStored(stored: Input | undefined, digest: string | undefined): string {
  if (!stored) return "an input the server did not list";
  const metadata = stored.data?.metadata ?? {};
  const path = typeof metadata.path === "string" ? metadata.path : typeof metadata.filename === "string" ? metadata.filename : undefined;
  const from = path ? ` from ${path}` : "";
  return digest ? `other content${from} (content_sha256 ${digest})` : `an input${from} with no content_sha256 (sent by another tool, or before digests)`;
}
