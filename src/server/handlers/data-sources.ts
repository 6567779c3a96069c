import type { DataSourceCredentials } from "../../gen/clarifai/api/resources.js";
import { MultiInputsAddJobResponse, type PostInputsDataSourcesRequest } from "../../gen/clarifai/api/service.js";
import { StatusCode } from "../../gen/clarifai/api/status/status_code.js";
import { resolveSourceUrl, type FolderSource, type StorageRoots } from "../extraction/source.js";
import { idRuleText, isValidId, randomId } from "../ids.js";
import { describeJob } from "../job-view.js";
import { ok, status } from "../status.js";
import type { Store } from "../store.js";
import type { CredentialsKind } from "../store/extractions-table.js";
import type { Scope } from "../store/rows.js";
import type { Route } from "./route.js";
import { conflictRuleText, encodeTemplate, isConflictResolution, templateProblem } from "./template-checks.js";

export interface DataSourcesDeps {
  store: Store;
  roots: StorageRoots;
  /** Wakes the extractor. */
  kick: () => void;
}

interface PlannedSource {
  jobId: string;
  url: string;
  source: FolderSource;
  conflict: number;
  template: Buffer | null;
  credentialsKind: CredentialsKind | null;
}

/**
 * PostInputsDataSources. Each data source adds one extraction job (JOB_QUEUED)
 * to an inputs-add job: the one named by inputs_add_job_id (created if it does
 * not exist, extended if it does) or a new one with a random id. The request is
 * refused as a whole, nothing created, with INPUT_INVALID_ARGUMENT (30104) for
 * no data sources, a data source without url, an invalid job id, an unknown
 * input_id_conflict_resolution or an input_template that cannot apply, and
 * INPUT_INVALID_URL (30106) for a URL the server cannot read (not s3://, gs://
 * or file://; s3:// without --s3-root; gs:// without --gs-root; Azure). The
 * answer is SUCCESS with each inputs-add job and its extraction jobs.
 * Credentials are accepted and dropped: only which kind was given is kept.
 */
export function postInputsDataSourcesRoute(
  deps: DataSourcesDeps,
): Route<PostInputsDataSourcesRequest, MultiInputsAddJobResponse> {
  return {
    reply: (s) => MultiInputsAddJobResponse.fromPartial({ status: s }),
    handle({ request, scope }) {
      const planned = plan(request, scope, deps);
      if ("code" in planned) {
        return MultiInputsAddJobResponse.fromPartial({ status: status(planned.code, undefined, planned.details) });
      }
      deps.store.transaction(() => {
        const nowMs = Date.now();
        for (const p of planned) {
          deps.store.jobs.ensure(scope, p.jobId, nowMs);
          deps.store.extractions.insert(
            scope,
            {
              id: randomId(),
              jobId: p.jobId,
              url: p.url,
              source: JSON.stringify(p.source),
              uploadId: null,
              conflict: p.conflict,
              template: p.template,
              credentialsKind: p.credentialsKind,
              statusCode: StatusCode.JOB_QUEUED,
            },
            nowMs,
          );
        }
      });
      deps.kick();
      const jobIds = [...new Set(planned.map((p) => p.jobId))];
      const jobs = jobIds.map((id) => deps.store.jobs.get(scope, id)).filter((j) => j !== undefined);
      return { status: ok(), inputsAddJobs: jobs.map((job) => describeJob(deps.store, scope, job)) };
    },
  };
}

function plan(
  request: PostInputsDataSourcesRequest,
  scope: Scope,
  deps: DataSourcesDeps,
): PlannedSource[] | { code: StatusCode; details: string } {
  const invalid = (details: string): { code: StatusCode; details: string } => ({
    code: StatusCode.INPUT_INVALID_ARGUMENT,
    details,
  });
  if (request.dataSources.length === 0) return invalid("the request has no data_sources");
  const templateDatasets = request.dataSources.flatMap((d) => d.inputTemplate?.datasetIds ?? []);
  const known = deps.store.datasets.existing(scope, [...new Set(templateDatasets)]);
  const planned: PlannedSource[] = [];
  for (const [i, ds] of request.dataSources.entries()) {
    const which = `data source ${i + 1}`;
    const url = ds.url?.url ?? "";
    if (url === "") return invalid(`${which} has no url`);
    if (ds.inputsAddJobId !== "" && !isValidId(ds.inputsAddJobId)) {
      return invalid(`${which}: ${idRuleText("inputs_add_job_id", ds.inputsAddJobId)}`);
    }
    if (!isConflictResolution(ds.inputIdConflictResolution)) {
      return invalid(`${which}: ${conflictRuleText(ds.inputIdConflictResolution)}`);
    }
    const templateIssue = templateProblem(ds.inputTemplate, known);
    if (templateIssue !== null) return invalid(`${which}: ${templateIssue}`);
    const resolved = resolveSourceUrl(url, deps.roots);
    if (!resolved.ok) return { code: StatusCode.INPUT_INVALID_URL, details: `${which}: ${resolved.description}` };
    planned.push({
      jobId: ds.inputsAddJobId !== "" ? ds.inputsAddJobId : randomId(),
      url,
      source: resolved.source,
      conflict: ds.inputIdConflictResolution,
      template: encodeTemplate(ds.inputTemplate),
      credentialsKind: credentialsKind(ds.url?.credentials),
    });
  }
  return planned;
}

/** Which kind of credentials came with the URL; the secrets go no further than this function. */
function credentialsKind(credentials: DataSourceCredentials | undefined): CredentialsKind | null {
  if (credentials === undefined) return null;
  if (credentials.s3Creds !== undefined) return "s3";
  if (credentials.gcpCreds !== undefined && credentials.gcpCreds.length > 0) return "gcp";
  if (credentials.azureBlobCreds !== undefined) return "azure";
  return null;
}
