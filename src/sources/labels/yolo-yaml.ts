/**
 * An Ultralytics dataset YAML (`coco8.yaml`, `data.yaml`) read as Ultralytics'
 * `check_det_dataset` and its dataset loader read it, wherever the YAML lives:
 *
 * - `path:` the dataset root: absolute, or relative to the YAML's folder (else, when not
 *   there, to the working directory, which Ultralytics tries before its own datasets
 *   folder); the YAML's folder when absent.
 * - `train:`, `val:`, `test:` (and `minival:`): each a folder, a `.txt` file listing
 *   image paths, a single image, or a list of those, relative to the root. A relative
 *   value that does not exist and starts with `../` is tried without it, as Ultralytics
 *   does. A folder gives every image under it (recursively); in a list file a line
 *   starting with `./` is relative to the list's folder, any other relative line to the
 *   working directory (as Ultralytics reads them).
 * - `names:` a list, or a map from class index to name (or `nc:` alone).
 * - `kpt_shape: [N, D]` marks a pose dataset: its label lines carry N keypoints of D
 *   numbers after the box.
 *
 * Each image's label file is Ultralytics' `img2label_paths`: the last `images` folder of
 * the image's path becomes `labels`, the extension `.txt`. An image without a label file
 * has no regions (a background image), as in Ultralytics.
 */
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, isAbsolute, join, resolve, sep } from "node:path";
import { UsageError } from "../../errors.js";
import { isRecord } from "./json-shapes.js";
import { listFiles } from "./list-files.js";
import type { LabelProblem } from "./types.js";
import { namesOf, parseYaml, type ClassNames } from "./yolo-names.js";
import { isImageName } from "./yolo-images.js";

/** The keys of a YAML that name image sets, in the order they are read. */
export const SPLIT_KEYS = ["train", "val", "test", "minival"] as const;

export interface KeypointShape {
  readonly count: number;
  readonly dims: number;
}

export interface YoloYamlDataset {
  readonly file: string;
  /** The dataset root (absolute). */
  readonly root: string;
  readonly names: ClassNames;
  readonly keypoints?: KeypointShape;
  /** The images of every split (absolute paths), each once, in split order. */
  readonly images: readonly string[];
  /** The `.txt` image lists read: annotation files, not inputs. */
  readonly lists: readonly string[];
  /** Splits that name nothing there. */
  readonly problems: readonly LabelProblem[];
}

/** The YAML's dataset; undefined when it names no split (a YAML that only holds class names). */
export async function readYoloYaml(file: string): Promise<YoloYamlDataset | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`${file}: cannot read the YOLO dataset YAML (${(error as Error).message})`);
  }
  const doc = await parseYaml(file, text);
  if (!isRecord(doc)) throw new UsageError(`${file}: not an Ultralytics dataset YAML (the top level is not a map)`);
  const splits = SPLIT_KEYS.filter((key) => doc[key] !== undefined && doc[key] !== null && doc[key] !== "");
  if (splits.length === 0) return undefined;
  const names = namesOf(doc, file);
  if (!names) throw new UsageError(`${file}: no "names:" (the YOLO class names) and no "nc:"`);
  const root = await rootOf(doc.path, file);
  const found = new Found();
  for (const key of splits) {
    const value = doc[key];
    const entries = Array.isArray(value) ? value : [value];
    for (const entry of entries) {
      if (typeof entry !== "string" || entry.trim() === "") {
        found.problem(`${file}: ${key}`, `${JSON.stringify(entry)} is not a path (a folder, a .txt list of images or an image)`);
        continue;
      }
      await found.add(await locate(root, entry.trim()), `${file}: ${key}: ${entry.trim()}`, doc.download !== undefined);
    }
  }
  return { file, root, names: { names, file }, keypoints: keypointsOf(doc.kpt_shape, file), images: found.images, lists: found.lists, problems: found.problems };
}

/** `path:` against the YAML's folder, else (when not there) the working directory, as Ultralytics tries it. */
async function rootOf(path: unknown, file: string): Promise<string> {
  const folder = dirname(resolve(file));
  if (path === undefined || path === null || path === "") return folder;
  if (typeof path !== "string") throw new UsageError(`${file}: path: ${JSON.stringify(path)} is not a folder`);
  const beside = resolve(folder, path);
  if (isAbsolute(path) || (await exists(beside))) return beside;
  const fromCwd = resolve(path);
  return (await exists(fromCwd)) ? fromCwd : beside;
}

/** A split entry under the root; `../x` that is not there is tried as `x`, as Ultralytics does. */
async function locate(root: string, entry: string): Promise<string> {
  const direct = resolve(root, entry);
  if (isAbsolute(entry) || (await exists(direct)) || !entry.startsWith("../")) return direct;
  const trimmed = resolve(root, entry.slice(3));
  return (await exists(trimmed)) ? trimmed : direct;
}

function keypointsOf(value: unknown, file: string): KeypointShape | undefined {
  if (value === undefined || value === null) return undefined;
  const ok = Array.isArray(value) && value.length === 2 && value.every((n) => Number.isInteger(n) && (n as number) > 0);
  if (!ok) throw new UsageError(`${file}: kpt_shape: ${JSON.stringify(value)} is not [number of keypoints, 2 or 3]`);
  return { count: value[0] as number, dims: value[1] as number };
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/** The images the splits name, each once. */
class Found {
  readonly images: string[] = [];
  readonly lists: string[] = [];
  readonly problems: LabelProblem[] = [];
  private readonly seen = new Set<string>();

  problem(origin: string, message: string): void {
    this.problems.push({ origin, message });
  }

  async add(path: string, origin: string, downloads: boolean): Promise<void> {
    const stats = await stat(path).catch(() => undefined);
    if (!stats) {
      this.problem(origin, `${path}: no such folder or file${downloads ? " (Ultralytics would run the YAML's download:; this tool does not download)" : ""}`);
    } else if (stats.isDirectory()) {
      for (const rel of await listFiles(path, isImageName)) this.image(join(path, rel.split("/").join(sep)));
    } else if (extname(path).toLowerCase() === ".txt") {
      this.lists.push(path);
      await this.addList(path);
    } else if (isImageName(path)) {
      this.image(path);
    } else {
      this.problem(origin, `${path} is neither a folder, a .txt list of images nor an image`);
    }
  }

  private async addList(list: string): Promise<void> {
    const text = await readFile(list, "utf8");
    const folder = dirname(list);
    for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
      const entry = line.trim();
      if (entry === "" || !isImageName(entry)) continue;
      this.image(entry.startsWith("./") ? join(folder, entry.slice(2)) : resolve(entry));
    }
  }

  private image(path: string): void {
    const absolute = resolve(path);
    if (this.seen.has(absolute)) return;
    this.seen.add(absolute);
    this.images.push(absolute);
  }
}

/** Ultralytics' `img2label_paths`: the last `images` folder of the path becomes `labels`, the extension `.txt`. */
export function labelPathOf(image: string): string {
  const marker = `${sep}images${sep}`;
  const at = image.lastIndexOf(marker);
  const swapped = at < 0 ? image : `${image.slice(0, at)}${sep}labels${sep}${image.slice(at + marker.length)}`;
  const dot = swapped.lastIndexOf(".");
  return `${dot < 0 ? swapped : swapped.slice(0, dot)}.txt`;
}
