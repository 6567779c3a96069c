import { posix, resolve } from "node:path";
import type { Candidate, SourceReport } from "../sources/candidate.js";
import { shortHash } from "../plan/ids.js";
import { withRegions } from "./previous-state.js";
import { keepEach, type CandidateGroups } from "../sources/groups.js";
import { mergeConcepts } from "../sources/concepts.js";
import { loadAnnotations, type AnnotationFormat } from "../sources/labels/load.js";
import { normalizeRegions } from "../sources/labels/normalize.js";
import { readSidecar, SidecarError } from "../sources/labels/sidecar.js";
import type { AnnotationIndex, PixelRegion } from "../sources/labels/types.js";
import type { Accepted } from "../validate/validate.js";
import type { AnnotationSource } from "./annotations.js";

export interface LabelOptions {
  /** `--annotations PATH`: a COCO file, a YOLO folder or a VOC folder. */
  annotations?: string;
  format: AnnotationFormat | "auto";
  /** `--sidecars`: read `photo.jpg.json` beside each file. */
  sidecars: boolean;
  /** The folder image paths in the annotation files are relative to. */
  sourceRoot: string;
  /**
   * The walk reads the whole source, so an image the annotation files name that it never
   * meets is not there, and is named. False for `status --retry`, which reads a few inputs.
   */
  wholeSource: boolean;
}

/** Annotated images not found named one by one at most; the rest are counted. */
const LISTED_NOT_FOUND = 20;

export interface Labels {
  /** What the pipeline asks for each accepted input's regions. */
  source: AnnotationSource;
  /**
   * Wraps a source's candidates: the annotation files read (and sidecar files, whose data
   * is merged into their file's candidate) are left out and counted, not uploaded.
   */
  wrap(candidates: CandidateGroups, report: SourceReport): CandidateGroups;
}

/** `photo.jpg.json`: a sidecar, not an input. */
const SIDECAR_NAME = /\.[^./]+\.json$/i;

export async function loadLabels(options: LabelOptions): Promise<Labels> {
  const index: AnnotationIndex | undefined = options.annotations ? await loadAnnotations(options.annotations, options.format, options.sourceRoot) : undefined;
  const sidecarRegions = new Map<string, PixelRegion[]>();
  return {
    source: {
      problems: (index?.problems ?? []).map((problem) => `${problem.origin}: ${problem.message}`),
      async regionsFor(accepted: Accepted) {
        const { candidate } = accepted;
        const regions = [...(index?.regionsFor(candidate.relPath) ?? []), ...(sidecarRegions.get(candidate.source) ?? [])];
        sidecarRegions.delete(candidate.source);
        if (regions.length === 0) return { regions: [], problems: [] };
        if (accepted.kind !== "image" || !accepted.width || !accepted.height) {
          return { regions: [], problems: [`${candidate.source}: ${regions.length} region(s) given, but regions need an image whose size is known`] };
        }
        return normalizeRegions(regions, accepted.width, accepted.height);
      },
    },
    wrap(candidates, report) {
      for (const warning of index?.warnings ?? []) report.warning(warning.origin, `${warning.origin}: ${warning.message}`);
      let inputs = withoutAnnotationFiles(candidates, index?.files ?? new Set(), report);
      if (index && options.annotations && options.wholeSource) inputs = namingImagesNotFound(inputs, index, options.annotations, report);
      if (options.sidecars) inputs = withSidecars(inputs, report, sidecarRegions);
      return withRegionsDigest(inputs, (candidate) => [...(index?.regionsFor(candidate.relPath) ?? []), ...(sidecarRegions.get(candidate.source) ?? [])]);
    },
  };
}

/** The candidates but the annotation files (by their path on disk). */
function withoutAnnotationFiles(candidates: CandidateGroups, files: ReadonlySet<string>, report: SourceReport): CandidateGroups {
  return keepEach(candidates, (candidate) => {
    const path = candidate.content.kind === "bytes" ? candidate.content.bytes.path : undefined;
    if (path === undefined || !files.has(resolve(path))) return candidate;
    report.annotationFile?.(candidate.source);
    return undefined;
  });
}

/**
 * The candidates, each marked found in the index; once the walk has read them all, the
 * images the annotation files give regions for that it never met are named: their
 * annotations are not posted (the image is elsewhere, named otherwise, or gone).
 */
async function* namingImagesNotFound(candidates: CandidateGroups, index: AnnotationIndex, annotations: string, report: SourceReport): CandidateGroups {
  for await (const group of candidates) {
    for (const candidate of group) index.found(candidate.relPath);
    yield group;
  }
  let count = 0;
  for (const { path, regions } of index.notFound()) {
    if (++count <= LISTED_NOT_FOUND) {
      report.warning(annotations, `${annotations}: ${regions} region${regions === 1 ? "" : "s"} for ${JSON.stringify(path)}, which is not among the files read: not posted`);
    }
  }
  if (count > LISTED_NOT_FOUND) {
    report.warning(annotations, `${annotations}: and ${count - LISTED_NOT_FOUND} more images with regions not among the files read: their regions are not posted`);
  }
}

/**
 * Each candidate's fingerprint with a digest of the regions it is given (none, for one
 * without): a re-run of an unchanged file whose regions were edited since posts them
 * (`previousState`'s "annotate"). Where they come from in the files (`origin`) is left
 * out: an entry added elsewhere in a COCO file does not change this image's regions.
 */
function withRegionsDigest(candidates: CandidateGroups, regionsOf: (candidate: Candidate) => readonly PixelRegion[]): CandidateGroups {
  return keepEach(candidates, (candidate) => {
    const regions = regionsOf(candidate);
    const digest = regions.length === 0 ? "none" : shortHash(JSON.stringify(regions.map(({ origin: _origin, ...shape }) => shape)), 16);
    return { ...candidate, fingerprint: withRegions(candidate.fingerprint, digest) };
  });
}

function withSidecars(candidates: CandidateGroups, report: SourceReport, regionsBySource: Map<string, PixelRegion[]>): CandidateGroups {
  return keepEach(candidates, async (candidate) => {
    if (SIDECAR_NAME.test(posix.basename(candidate.relPath))) {
      report.annotationFile?.(candidate.source);
      return undefined;
    }
    if (candidate.content.kind !== "bytes") return candidate;
    let sidecar;
    try {
      sidecar = await readSidecar(candidate.source);
    } catch (error) {
      // A SidecarError's message starts with the sidecar's path already.
      report.rejected(candidate.source, "bad_sidecar", error instanceof SidecarError ? error.message : `${candidate.source}: ${(error as Error).message}`);
      return undefined;
    }
    if (!sidecar) return candidate;
    if (sidecar.regions?.length) regionsBySource.set(candidate.source, sidecar.regions);
    return {
      ...candidate,
      concepts: mergeConcepts(candidate.concepts, sidecar.concepts),
      metadata: { ...(candidate.metadata ?? {}), ...(sidecar.metadata ?? {}) },
      geo: sidecar.geo ?? candidate.geo,
    };
  });
}
