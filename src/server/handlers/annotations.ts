import { Data, type Annotation } from "../../gen/clarifai/api/resources.js";
import {
  type ListAnnotationsRequest,
  MultiAnnotationResponse,
  type PostAnnotationsRequest,
} from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { idRuleText, isValidId, randomId } from "../ids.js";
import { batchStatus, ok, status } from "../status.js";
import type { Store } from "../store.js";
import type { NewAnnotation } from "../store/annotations-table.js";
import { pageWindow } from "../store/rows.js";
import { annotationProblem } from "./annotation-checks.js";
import type { Route } from "./route.js";

/**
 * PostAnnotations: each annotation is checked (annotation-checks.ts), needs an
 * existing input and a new id (empty -> random); a bad one gets the per-item
 * status ANNOTATION_INVALID_ARGUMENT (24155), a stored one ANNOTATION_SUCCESS
 * (24150); the answer is SUCCESS, MIXED_STATUS or FAILURE.
 */
export function postAnnotationsRoute(store: Store): Route<PostAnnotationsRequest, MultiAnnotationResponse> {
  return {
    reply: (s) => MultiAnnotationResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      if (request.annotations.length === 0) {
        return MultiAnnotationResponse.fromPartial({
          status: status(StatusCode.FAILURE, "the request has no annotations"),
        });
      }
      const inputs = store.inputs.existingIds(scope, [...new Set(request.annotations.map((a) => a.inputId))]);
      const seen = new Set<string>();
      const accepted: NewAnnotation[] = [];
      const problems = request.annotations.map((annotation): string | null => {
        const id = annotation.id === "" ? randomId() : annotation.id;
        if (!isValidId(id)) return idRuleText("annotation id", id);
        if (seen.has(id) || store.annotations.idExists(scope, id)) return `an annotation with id '${id}' already exists`;
        if (!inputs.has(annotation.inputId)) return `input '${annotation.inputId}' does not exist`;
        const problem = annotationProblem(annotation);
        if (problem !== null) return problem;
        seen.add(id);
        accepted.push({
          id,
          inputId: annotation.inputId,
          data: annotation.data ?? Data.fromPartial({}),
          info: annotation.annotationInfo,
          inputLevel: annotation.inputLevel,
        });
        return null;
      });
      const stored = store.insertAnnotations(scope, accepted);
      let next = 0;
      const annotations = request.annotations.map((annotation, i): Annotation => {
        const problem = problems[i];
        if (problem === null || problem === undefined) return stored[next++] ?? annotation;
        return { ...annotation, status: status(StatusCode.ANNOTATION_INVALID_ARGUMENT, problem) };
      });
      return {
        status: batchStatus(annotations.length, annotations.length - stored.length, "annotations"),
        annotations,
      };
    },
  };
}

/** ListAnnotations, newest first, filtered by `ids` and `input_ids`, paged. */
export function listAnnotationsRoute(store: Store): Route<ListAnnotationsRequest, MultiAnnotationResponse> {
  return {
    reply: (s) => MultiAnnotationResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const annotations = store.annotations.list(scope, {
        ids: request.ids,
        inputIds: request.inputIds,
        ...pageWindow(request.page, request.perPage),
      });
      return { status: ok(), annotations };
    },
  };
}
