import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Candidate, SourceReport } from "../../../src/sources/candidate.js";
import type { CandidateGroups } from "../../../src/sources/groups.js";
import { loadLabels } from "../../../src/upload/label-source.js";

function cocoNaming(...files: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), "cu-labels-")), "instances.json");
  const images = files.map((file_name, i) => ({ id: i + 1, file_name, width: 10, height: 10 }));
  const annotations = files.map((_, i) => ({ id: i + 1, image_id: i + 1, category_id: 1, bbox: [0, 0, 5, 5] }));
  writeFileSync(path, JSON.stringify({ images, annotations, categories: [{ id: 1, name: "cat" }] }));
  return path;
}

async function* groups(relPaths: string[], stopAfter = relPaths.length): CandidateGroups {
  for (const relPath of relPaths.slice(0, stopAfter)) {
    yield [{ source: `/data/${relPath}`, relPath, content: { kind: "text", text: "x" }, fingerprint: "f" } as Candidate];
  }
}

/** The warnings of a walk of `relPaths`, read to its end, or left after `read` groups. */
async function warningsOf(annotations: string, relPaths: string[], wholeSource: boolean, read?: number): Promise<string[]> {
  const warnings: string[] = [];
  const report: SourceReport = { rejected: () => undefined, warning: (_source, message) => warnings.push(message) };
  const labels = await loadLabels({ annotations, format: "coco", sidecars: false, sourceRoot: "/data", wholeSource });
  let taken = 0;
  for await (const _group of labels.wrap(groups(relPaths), report)) if (++taken === read) break;
  return warnings;
}

describe("images the annotation file names that the walk never met", () => {
  it("are named once the walk is done, the first 20 one by one", async () => {
    const annotations = cocoNaming("a.jpg", "b.jpg", ...Array.from({ length: 25 }, (_, i) => `gone${i}.jpg`));
    const warnings = await warningsOf(annotations, ["a.jpg", "b.jpg"], true);
    expect(warnings).toHaveLength(21);
    expect(warnings[0]).toBe(`${annotations}: 1 region for "gone0.jpg", which is not among the files read: not posted`);
    expect(warnings[20]).toBe(`${annotations}: and 5 more images with regions not among the files read: their regions are not posted`);
  });

  it("are not named by a walk that stopped early, nor by one that reads a few inputs again (status --retry)", async () => {
    const annotations = cocoNaming("a.jpg", "b.jpg", "c.jpg");
    expect(await warningsOf(annotations, ["a.jpg", "b.jpg", "c.jpg"], true, 1)).toEqual([]);
    expect(await warningsOf(annotations, ["a.jpg"], false)).toEqual([]);
    expect(await warningsOf(annotations, ["a.jpg"], true)).toHaveLength(2);
  });
});
