import { hash } from "node:crypto";
import { Annotation, Region } from "../gen/clarifai/api/resources.js";
import type { MultiAnnotationResponse } from "../gen/clarifai/api/service.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { ApiError, describeStatus } from "../api/client.js";
import { RetriesExhausted, type Caller } from "../api/caller.js";
import { classifyStatus } from "../api/status.js";
import { shortHash } from "../plan/ids.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { Accepted } from "../validate/validate.js";

/** Where an input's regions come from: annotation files and sidecars, already normalized. */
export interface AnnotationSource {
  /** Entries of the annotation files that could not be read at all. */
  readonly problems: readonly string[];
  regionsFor(accepted: Accepted): Promise<{ regions: Region[]; problems: string[] }>;
}

/** At most this many annotations in one PostAnnotations request. */
const ANNOTATIONS_PER_REQUEST = 128;

/**
 * The annotations of one input, one per region, with ids derived from the input id and
 * the region itself (its shape, concept and value; and how many identical regions came
 * before it): posting the same region again finds it already there, and an id that is
 * taken holds that very region, so "already exists" is the truth. Another region (a box
 * moved, a second annotation file for the same images) gets another id.
 */
export function annotationsOf(input: PlannedInput): Annotation[] {
  const seen = new Map<string, number>();
  return (input.regions ?? []).map((region) => {
    const content = hash("sha256", Region.encode(region).finish(), "hex");
    const repeat = seen.get(content) ?? 0;
    seen.set(content, repeat + 1);
    return Annotation.fromPartial({ id: `r${shortHash(`${input.id}#${content}#${repeat}`, 24)}`, inputId: input.id, data: { regions: [region] } });
  });
}

export interface AnnotationOutcome {
  posted: number;
  present: number;
  /** `transient`: the next run may store it (a call that kept failing); otherwise the server refused the region itself. */
  failed: Array<{ inputId: string; message: string; transient: boolean }>;
}

/** Posts annotations in requests of up to 128, retrying transient failures like inputs. */
export async function postAnnotations(caller: Caller, annotations: readonly Annotation[]): Promise<AnnotationOutcome> {
  const outcome: AnnotationOutcome = { posted: 0, present: 0, failed: [] };
  for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    const chunk = annotations.slice(start, start + ANNOTATIONS_PER_REQUEST);
    let response: MultiAnnotationResponse;
    try {
      response = await caller.retrying<MultiAnnotationResponse>(async () => {
        const answer = await caller.client.raw("postAnnotations", { annotations: chunk });
        const code = answer.status?.code ?? 0;
        if (classifyStatus(code) === "retry") return { again: `PostAnnotations: ${describeStatus(answer.status)}`, throttled: code === StatusCode.CONN_THROTTLED };
        return { done: answer };
      });
    } catch (error) {
      if (!(error instanceof ApiError) && !(error instanceof RetriesExhausted)) throw error;
      const transient = error instanceof RetriesExhausted;
      for (const annotation of chunk) outcome.failed.push({ inputId: annotation.inputId, message: `PostAnnotations: annotation ${annotation.id} of input ${annotation.inputId}: ${error.message}`, transient });
      continue;
    }
    const answers = new Map(response.annotations.map((answer) => [answer.id, answer]));
    for (const annotation of chunk) {
      const own = answers.get(annotation.id)?.status;
      const status = own ?? response.status;
      const code = status?.code ?? 0;
      if (code === StatusCode.ANNOTATION_SUCCESS || code === StatusCode.SUCCESS || code === StatusCode.ANNOTATION_PENDING) outcome.posted++;
      // Only its own answer says that this annotation is there: the request's may speak of another.
      else if (own && /already exists/i.test(own.description)) outcome.present++;
      else {
        const message = `PostAnnotations: annotation ${annotation.id} of input ${annotation.inputId}: ${describeStatus(status)}`;
        outcome.failed.push({ inputId: annotation.inputId, message, transient: !own || classifyStatus(code) === "retry" });
      }
    }
  }
  return outcome;
}
