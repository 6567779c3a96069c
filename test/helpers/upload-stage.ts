/**
 * Test helpers for the upload stages: in-memory text candidates, a plan with small
 * defaults, accepted and planned inputs, and a bus whose events are kept in order.
 */
import type { PlannedInput } from "../../src/plan/batcher.js";
import type { Candidate } from "../../src/sources/candidate.js";
import { inGroups } from "../../src/sources/groups.js";
import { EventBus, type InputEvent, type UploadEvent } from "../../src/upload/events.js";
import type { UploadPlan } from "../../src/upload/plan.js";
import type { Accepted } from "../../src/validate/validate.js";

/** A text candidate `/data/<name>.txt` with an explicit id (its name), so ids need no derivation. */
export function textCandidate(name: string, options: { text?: string; fingerprint?: string; id?: string } = {}): Candidate {
  return { source: `/data/${name}.txt`, relPath: `${name}.txt`, content: { kind: "text", text: options.text ?? `text of ${name}` }, fingerprint: options.fingerprint ?? "fp-1", id: options.id ?? name };
}

export async function* fromArray<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** Every item of a stage that passes items on a group at a time. */
export async function collectGroups<T>(groups: AsyncIterable<readonly T[]>): Promise<T[]> {
  return (await collect(groups)).flat() as T[];
}

/** A plan for `candidates`: ids from paths, no prefix, one worker, `--id-conflict fail`, three processing attempts. */
export function testPlan(candidates: readonly Candidate[] = [], overrides: Partial<UploadPlan> = {}): UploadPlan {
  return {
    candidates: () => inGroups(fromArray(candidates)),
    idFrom: "path",
    idPrefix: "",
    batchLimits: { maxInputs: 128, maxBytes: 16 * 1024 * 1024 },
    concurrency: 1,
    memoryBudgetBytes: 64 * 1024 * 1024,
    defaults: { concepts: [], labelsFromFolder: false, metadata: {}, allowDuplicateUrl: false },
    dryRun: false,
    idConflict: "fail",
    maxProcessingAttempts: 3,
    ...overrides,
  };
}

/** What validation says of a text candidate. */
export function acceptedText(candidate: Candidate, warnings: readonly string[] = []): Accepted {
  const size = candidate.content.kind === "text" ? Buffer.byteLength(candidate.content.text) : 0;
  return { status: "accepted", candidate, kind: "text", format: "txt", size, warnings };
}

/** An accepted text input with its final id, as the batcher takes it. */
export function plannedText(name: string, extra: Partial<PlannedInput> = {}): PlannedInput {
  const accepted = acceptedText(textCandidate(name));
  return { id: name, accepted, requestBytes: accepted.size + 100, ...extra };
}

/** A bus, and every event it carried, in order. */
export function recordingBus(): { bus: EventBus; events: UploadEvent[] } {
  const bus = new EventBus();
  const events: UploadEvent[] = [];
  bus.on((event) => events.push(event));
  return { bus, events };
}

/** The input event a stage emits for `candidate` (under its own id, with no bytes sent), with `fields` on top. */
export function inputEventOf(candidate: Candidate, fields: Partial<InputEvent> & Pick<InputEvent, "status">): InputEvent {
  return { type: "input", id: candidate.id, source: candidate.source, bytes: 0, candidate, ...fields };
}
