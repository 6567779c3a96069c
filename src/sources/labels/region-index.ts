import { posix, resolve } from "node:path";
import type { AnnotationIndex, LabelProblem, PixelRegion } from "./types.js";
import { isImageName } from "./yolo-images.js";

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
  private readonly problemsFound: LabelProblem[] = [];
  private readonly noted: LabelProblem[] = [];
  private readonly read = new Set<string>();
  /** Keys whose image a walk has met (`found`). */
  private readonly met = new Set<string>();

  get problems(): readonly LabelProblem[] {
    return this.problemsFound;
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
    this.problemsFound.push({ origin, message });
  }

  warning(origin: string, message: string): void {
    this.noted.push({ origin, message });
  }

  regionsFor(relPath: string): readonly PixelRegion[] | undefined {
    const key = this.keyOf(relPath);
    return key === undefined ? undefined : this.byPath.get(key);
  }

  found(relPath: string): void {
    const key = this.keyOf(relPath);
    if (key !== undefined) this.met.add(key);
  }

  *notFound(): IterableIterator<{ path: string; regions: number }> {
    for (const [path, regions] of this.byPath) if (!this.met.has(path)) yield { path, regions: regions.length };
  }

  /**
   * The key an image's regions are under: its exact path; else the one key with its file
   * name; else, for an image file, the one key with its name without the extension (a VOC
   * `<filename>` written without one names `a.jpg` as `a`).
   */
  private keyOf(relPath: string): string | undefined {
    const key = indexKey(relPath);
    if (this.byPath.has(key)) return key;
    const name = posix.basename(key);
    if (this.byName.has(name)) return this.byName.get(name) ?? undefined;
    return isImageName(name) ? (this.byName.get(name.replace(/\.[^.]*$/, "")) ?? undefined) : undefined;
  }

  /** The image paths that have regions, as the annotation files name them. */
  paths(): IterableIterator<string> {
    return this.byPath.keys();
  }
}
