import { posix, resolve } from "node:path";
import type { AnnotationIndex, LabelProblem, PixelRegion } from "./types.js";

/** An image path as an index key: "/" separators, no leading "./". */
export function indexKey(path: string): string {
  return posix.normalize(path.replace(/\\/g, "/")).replace(/^(\.\/)+/, "");
}

/**
 * The `AnnotationIndex` every reader fills: regions by image path, with a fallback
 * lookup by file name for names that occur once.
 */
export class RegionIndex implements AnnotationIndex {
  private readonly byPath = new Map<string, PixelRegion[]>();
  /** File name -> the one path that has it, or null when several paths share it. */
  private readonly byName = new Map<string, string | null>();
  private readonly found: LabelProblem[] = [];
  private readonly noted: LabelProblem[] = [];
  private readonly read = new Set<string>();

  get problems(): readonly LabelProblem[] {
    return this.found;
  }

  get warnings(): readonly LabelProblem[] {
    return this.noted;
  }

  get files(): ReadonlySet<string> {
    return this.read;
  }

  /** An annotation file the index was made from. */
  file(path: string): void {
    this.read.add(resolve(path));
  }

  get size(): number {
    return this.byPath.size;
  }

  add(imagePath: string, region: PixelRegion): void {
    const key = indexKey(imagePath);
    const regions = this.byPath.get(key);
    if (regions) {
      regions.push(region);
      return;
    }
    this.byPath.set(key, [region]);
    const name = posix.basename(key);
    this.byName.set(name, this.byName.has(name) ? null : key);
  }

  problem(origin: string, message: string): void {
    this.found.push({ origin, message });
  }

  warning(origin: string, message: string): void {
    this.noted.push({ origin, message });
  }

  regionsFor(relPath: string): readonly PixelRegion[] | undefined {
    const key = indexKey(relPath);
    const exact = this.byPath.get(key);
    if (exact) return exact;
    const only = this.byName.get(posix.basename(key));
    return only ? this.byPath.get(only) : undefined;
  }

  paths(): IterableIterator<string> {
    return this.byPath.keys();
  }
}
