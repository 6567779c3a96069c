import { Annotation, type Region } from "../gen/clarifai/api/resources.js";
import { StatusCode } from "../gen/clarifai/api/status/status_code.js";
import { describeStatus } from "../api/client.js";
import { classifyStatus } from "../api/status.js";
import { withRetry } from "../api/retry.js";
import { ApiError } from "../api/client.js";
import { shortHash } from "../plan/ids.js";
import type { PlannedInput } from "../plan/batcher.js";
import type { Accepted } from "../validate/validate.js";
import type { SenderContext } from "./sender.js";

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
 * the region's place, so that posting them again finds them already there.
 */
export function annotationsOf(input: PlannedInput): Annotation[] {
  return (input.regions ?? []).map((region, index) =>
    Annotation.fromPartial({ id: `r${shortHash(`${input.id}#${index}`, 24)}`, inputId: input.id, data: { regions: [region] } }),
  );
}

export interface AnnotationOutcome {
  posted: number;
  present: number;
  failed: Array<{ inputId: string; message: string }>;
}

/** Posts annotations in requests of up to 128, retrying transient failures like inputs. */
export async function postAnnotations(context: SenderContext, annotations: readonly Annotation[]): Promise<AnnotationOutcome> {
  const outcome: AnnotationOutcome = { posted: 0, present: 0, failed: [] };
  for (let start = 0; start < annotations.length; start += ANNOTATIONS_PER_REQUEST) {
    const chunk = annotations.slice(start, start + ANNOTATIONS_PER_REQUEST);
    let response;
    try {
      response = await withRetry(
        async () => {
          await context.limiter.acquire();
          const answer = await context.client.raw("postAnnotations", { annotations: chunk });
          const code = answer.status?.code ?? 0;
          if (classifyStatus(code) === "retry") throw new ApiError(`PostAnnotations: ${describeStatus(answer.status)}`, "retry", code);
          return answer;
        },
        context.retry,
        (error, attempt, delay) => context.onRetry(error.message, attempt, delay),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      for (const annotation of chunk) outcome.failed.push({ inputId: annotation.inputId, message: error.message });
      continue;
    }
    const answers = new Map(response.annotations.map((answer) => [answer.id, answer]));
    for (const annotation of chunk) {
      const status = answers.get(annotation.id)?.status ?? response.status;
      const code = status?.code ?? 0;
      if (code === StatusCode.ANNOTATION_SUCCESS || code === StatusCode.SUCCESS || code === StatusCode.ANNOTATION_PENDING) outcome.posted++;
      else if (/already exists/i.test(status?.description ?? "")) outcome.present++;
      else outcome.failed.push({ inputId: annotation.inputId, message: `PostAnnotations: annotation ${annotation.id} of input ${annotation.inputId}: ${describeStatus(status)}` });
    }
  }
  return outcome;
}
