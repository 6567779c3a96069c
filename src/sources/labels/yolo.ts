/**
 * YOLO labels: one .txt per image, one object per line, `class cx cy w h` (a box by
 * its centre) or `class x1 y1 x2 y2 x3 y3 ...` (a polygon, as Ultralytics writes
 * segmentation labels), every coordinate a fraction of the image's width or height.
 * Regions keep those fractions (`normalized: true`); `normalizeRegions` places them.
 *
 * Layouts:
 * - Ultralytics: `ROOT/labels/SUB/a.txt` labels `ROOT/images/SUB/a.<image extension>`
 *   (every image of that stem, as Ultralytics does); given as ROOT or as ROOT/labels.
 * - Flat (Darknet): `a.txt` beside `a.jpg`.
 * Class names come from data.yaml / dataset.yaml / classes.txt / obj.names (see
 * `yolo-names.ts`), in the given folder, then ROOT or ROOT/labels.
 *
 * Images are keyed by their path relative to the source root (relative to the images
 * folder when they lie outside it).
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../../errors.js";
import { extensionOf, listFiles } from "./list-files.js";
import { RegionIndex } from "./region-index.js";
import type { PixelRegion } from "./types.js";
import { CLASS_NAME_FILES, findClassNames, readClassNames, type ClassNames } from "./yolo-names.js";

/** Image file extensions a YOLO label file may belong to (those Ultralytics reads, and GIF). */
export const YOLO_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(["jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff", "gif", "dng", "mpo", "heic", "pfm"]);

interface Layout {
  readonly labelsDir: string;
  readonly imagesDir: string;
  readonly nameDirs: readonly string[];
  /** A names file given as the annotation path itself. */
  readonly namesFile?: string;
}

export async function loadYolo(path: string, sourceRoot: string): Promise<RegionIndex> {
  const layout = await layoutOf(path);
  const classes = await classNamesOf(layout);
  const index = new RegionIndex();
  const labelFiles = await listFiles(layout.labelsDir, (name) => extensionOf(name) === "txt" && !isNameFile(name));
  const images = new ImageFinder();
  const root = resolve(sourceRoot);
  for (const rel of labelFiles) {
    const file = join(layout.labelsDir, rel);
    const imagesSubdir = join(layout.imagesDir, dirname(rel));
    const stem = basename(rel).slice(0, -".txt".length);
    const matches = await images.withStem(imagesSubdir, stem);
    if (matches.length === 0) {
      index.problem(file, `no image called "${stem}" (with any image extension) in ${imagesSubdir}`);
      continue;
    }
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      index.problem(file, `cannot read it (${(error as Error).message})`);
      continue;
    }
    const regions = parseLabelFile(text, file, classes, index);
    for (const image of matches) {
      const key = imageKey(root, join(imagesSubdir, image), layout.imagesDir);
      for (const region of regions) index.add(key, region);
    }
  }
  return index;
}

function isNameFile(name: string): boolean {
  return (CLASS_NAME_FILES as readonly string[]).includes(name);
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function layoutOf(path: string): Promise<Layout> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError(`${path}: cannot read the YOLO annotations (${(error as Error).message})`);
  }
  if (!isDir) {
    if (!isNameFile(basename(path)) && !/\.ya?ml$/i.test(path)) {
      throw new UsageError(`${path}: give YOLO annotations as a folder (the dataset's, or its labels/ folder) or as its data.yaml, dataset.yaml, classes.txt or obj.names`);
    }
    return { ...(await folderLayout(dirname(path))), namesFile: path };
  }
  return folderLayout(path);
}

async function folderLayout(dir: string): Promise<Layout> {
  const labels = join(dir, "labels");
  if (await isDirectory(labels)) return { labelsDir: labels, imagesDir: join(dir, "images"), nameDirs: [dir, labels] };
  const siblingImages = join(dir, "..", "images");
  if (basename(resolve(dir)) === "labels" && (await isDirectory(siblingImages))) {
    return { labelsDir: dir, imagesDir: siblingImages, nameDirs: [dir, join(dir, "..")] };
  }
  return { labelsDir: dir, imagesDir: dir, nameDirs: [dir] };
}

async function classNamesOf(layout: Layout): Promise<ClassNames> {
  if (!layout.namesFile) return findClassNames(layout.nameDirs);
  const names = await readClassNames(layout.namesFile);
  if (!names) throw new UsageError(`${layout.namesFile}: no "names:" (the YOLO class names)`);
  return names;
}

/** The images of each folder by file stem, read once per folder. */
class ImageFinder {
  private readonly folders = new Map<string, Map<string, string[]>>();

  async withStem(dir: string, stem: string): Promise<readonly string[]> {
    let byStem = this.folders.get(dir);
    if (!byStem) {
      byStem = new Map();
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names.sort()) {
        const ext = extensionOf(name);
        if (!YOLO_IMAGE_EXTENSIONS.has(ext)) continue;
        const imageStem = name.slice(0, -(ext.length + 1));
        byStem.set(imageStem, [...(byStem.get(imageStem) ?? []), name]);
      }
      this.folders.set(dir, byStem);
    }
    return byStem.get(stem) ?? [];
  }
}

/** An image's path relative to the source root ("/" separators); relative to the images folder when outside the root. */
function imageKey(root: string, image: string, imagesDir: string): string {
  const absolute = resolve(image);
  const fromRoot = relative(root, absolute);
  const inside = fromRoot !== "" && !fromRoot.startsWith("..") && !isAbsolute(fromRoot);
  return (inside ? fromRoot : relative(resolve(imagesDir), absolute)).split(sep).join("/");
}

const CLASS_INDEX = /^\d+$/;
const EXCERPT_LENGTH = 48;

function excerpt(line: string): string {
  return `"${line.length > EXCERPT_LENGTH ? `${line.slice(0, EXCERPT_LENGTH - 3)}...` : line}"`;
}

/** The regions of one label file; bad lines become problems. */
export function parseLabelFile(text: string, file: string, classes: ClassNames, index: RegionIndex): PixelRegion[] {
  const regions: PixelRegion[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [position, line] of lines.entries()) {
    const tokens = line.trim().split(/\s+/).filter((token) => token !== "");
    if (tokens.length === 0) continue;
    // The line's text too: boxes are reported by their top-left corner, not the centre the file gives.
    const origin = `${file}: line ${position + 1} ${excerpt(tokens.join(" "))}`;
    const [classToken, ...rest] = tokens as [string, ...string[]];
    const numbers = rest.map(Number);
    if (!CLASS_INDEX.test(classToken)) {
      index.problem(origin, `class "${classToken}" is not a class index (0, 1, 2, ...)`);
      continue;
    }
    const concept = classes.names.get(Number(classToken));
    if (concept === undefined) {
      index.problem(origin, `class ${classToken} is not among the ${classes.names.size} class names in ${classes.file}`);
      continue;
    }
    const bad = rest.find((token, i) => !Number.isFinite(numbers[i]));
    if (bad !== undefined) {
      index.problem(origin, `"${bad}" is not a number`);
      continue;
    }
    if (numbers.length === 4) {
      const [cx, cy, width, height] = numbers as [number, number, number, number];
      regions.push({ concept, box: { x: cx - width / 2, y: cy - height / 2, width, height }, normalized: true, origin });
    } else if (numbers.length >= 6 && numbers.length % 2 === 0) {
      const polygon = [];
      for (let i = 0; i < numbers.length; i += 2) polygon.push({ x: numbers[i]!, y: numbers[i + 1]! });
      regions.push({ concept, polygon, normalized: true, origin });
    } else {
      index.problem(origin, `expected 4 numbers (a box: cx cy w h) or an even count of at least 6 (a polygon: x1 y1 x2 y2 ...) after the class; found ${numbers.length}`);
    }
  }
  return regions;
}
