/**
 * YOLO labels: one .txt per image (`yolo-label-file.ts` reads one), every coordinate a
 * fraction of the image's width or height. Regions keep those fractions
 * (`normalized: true`); `normalizeRegions` places them.
 *
 * Layouts:
 * - An Ultralytics dataset YAML with `train:` / `val:` / `test:`, anywhere: its images and
 *   their labels as Ultralytics finds them (`yolo-yaml.ts`).
 * - Ultralytics folders: `ROOT/labels/SUB/a.txt` labels `ROOT/images/SUB/a.<image
 *   extension>` (every image of that stem, as Ultralytics does); given as ROOT or as
 *   ROOT/labels. A label file without an image is reported.
 * - Flat (Darknet): `a.txt` beside `a.jpg`. A `.txt` with no image of its stem beside it
 *   is not a label file (it may be a text input) and is left alone.
 * Class names come from data.yaml / dataset.yaml / classes.txt / obj.names (see
 * `yolo-names.ts`), in the given folder, then ROOT or ROOT/labels.
 *
 * Images are keyed by their path relative to the source root (relative to the images
 * folder, or the YAML's dataset root, when they lie outside it). Every label, names and
 * list file read is recorded in the index's `files`.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { UsageError } from "../../errors.js";
import { extensionOf, listFiles } from "./list-files.js";
import { RegionIndex } from "./region-index.js";
import { YOLO_IMAGE_EXTENSIONS } from "./yolo-images.js";
import { parseLabelFile } from "./yolo-label-file.js";
import { CLASS_NAME_FILES, findClassNames, readClassNames, type ClassNames } from "./yolo-names.js";
import { labelPathOf, readYoloYaml, type YoloYamlDataset } from "./yolo-yaml.js";

export { YOLO_IMAGE_EXTENSIONS } from "./yolo-images.js";

interface Layout {
  readonly labelsDir: string;
  readonly imagesDir: string;
  readonly nameDirs: readonly string[];
  /** A names file given as the annotation path itself. */
  readonly namesFile?: string;
  /** Labels beside their images: a .txt without an image is not a label file. */
  readonly flat: boolean;
}

export async function loadYolo(path: string, sourceRoot: string): Promise<RegionIndex> {
  if (/\.ya?ml$/i.test(path)) {
    const dataset = await readYoloYaml(path);
    if (dataset) return loadYoloDataset(dataset, sourceRoot);
  }
  const layout = await layoutOf(path);
  const classes = await classNamesOf(layout);
  const index = new RegionIndex();
  index.file(classes.file);
  const labelFiles = await listFiles(layout.labelsDir, (name) => extensionOf(name) === "txt" && !isNameFile(name));
  const images = new ImageFinder();
  const root = resolve(sourceRoot);
  for (const rel of labelFiles) {
    const file = join(layout.labelsDir, rel);
    const imagesSubdir = join(layout.imagesDir, dirname(rel));
    const stem = basename(rel).slice(0, -".txt".length);
    const matches = await images.withStem(imagesSubdir, stem);
    if (matches.length === 0 && layout.flat) continue;
    index.file(file);
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

/** The images a dataset YAML names, with the regions of their label files. */
async function loadYoloDataset(dataset: YoloYamlDataset, sourceRoot: string): Promise<RegionIndex> {
  const index = new RegionIndex();
  index.file(dataset.file);
  for (const list of dataset.lists) index.file(list);
  for (const problem of dataset.problems) index.problem(problem.origin, problem.message);
  const root = resolve(sourceRoot);
  const parsed = new Map<string, ReturnType<typeof parseLabelFile>>();
  for (const image of dataset.images) {
    const file = labelPathOf(image);
    let regions = parsed.get(file);
    if (!regions) {
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        // No label file: a background image, as Ultralytics takes it.
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") index.problem(file, `cannot read it (${(error as Error).message})`);
        continue;
      }
      index.file(file);
      regions = parseLabelFile(text, file, dataset.names, index, dataset.keypoints);
      parsed.set(file, regions);
    }
    const key = imageKey(root, image, dataset.root);
    for (const region of regions) index.add(key, region);
  }
  await recordLabelFolders(dataset.images, index);
  return index;
}

/**
 * Every .txt in the `labels` folders the images map to (those apart from the images) is
 * an annotation file, whether or not an image of the splits names it: a walk of the
 * dataset leaves them all out.
 */
async function recordLabelFolders(images: readonly string[], index: RegionIndex): Promise<void> {
  const folders = new Set(images.map((image) => dirname(labelPathOf(image))).filter((folder, at) => folder !== dirname(images[at]!)));
  for (const folder of folders) {
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) if (extensionOf(name) === "txt") index.file(join(folder, name));
  }
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
  if (await isDirectory(labels)) return { labelsDir: labels, imagesDir: join(dir, "images"), nameDirs: [dir, labels], flat: false };
  const siblingImages = join(dir, "..", "images");
  if (basename(resolve(dir)) === "labels" && (await isDirectory(siblingImages))) {
    return { labelsDir: dir, imagesDir: siblingImages, nameDirs: [dir, join(dir, "..")], flat: false };
  }
  return { labelsDir: dir, imagesDir: dir, nameDirs: [dir], flat: true };
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
