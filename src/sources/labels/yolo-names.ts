/**
 * YOLO class names: a `data.yaml` / `dataset.yaml` (Ultralytics) whose `names:` is a
 * list or a map from class index to name (or `nc:` alone), or a `classes.txt` / `obj.names` (Darknet)
 * with one name per line, line N naming class N.
 */
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { UsageError } from "../../errors.js";
import { isRecord } from "./json-shapes.js";

/** The files that may hold the class names, in the order they are looked for in each folder. */
export const CLASS_NAME_FILES = ["data.yaml", "dataset.yaml", "classes.txt", "obj.names"] as const;

export interface ClassNames {
  /** Class index -> name. */
  readonly names: ReadonlyMap<number, string>;
  /** The file they came from, for messages. */
  readonly file: string;
}

/**
 * The class names from the first of `CLASS_NAME_FILES` found in `dirs` (in order) that
 * has them; a YAML file without `names:` is passed over. Throws a UsageError when no
 * file has them or one cannot be read.
 */
export async function findClassNames(dirs: readonly string[]): Promise<ClassNames> {
  for (const dir of dirs) {
    for (const name of CLASS_NAME_FILES) {
      const names = await readClassNames(join(dir, name));
      if (names) return names;
    }
  }
  throw new UsageError(
    `no YOLO class names: looked for ${CLASS_NAME_FILES.join(", ")} in ${dirs.join(" and ")}`,
  );
}

/** The class names in one file; undefined when the file does not exist or (YAML) has no `names:`. */
export async function readClassNames(file: string): Promise<ClassNames | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UsageError(`${file}: cannot read the YOLO class names (${(error as Error).message})`);
  }
  const names = /\.ya?ml$/i.test(basename(file)) ? await yamlNames(file, text) : lineNames(text);
  return names && { names, file };
}

function lineNames(text: string): Map<number, string> {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).map((line) => line.trim());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return new Map(lines.map((line, index) => [index, line]));
}

async function yamlNames(file: string, text: string): Promise<Map<number, string> | undefined> {
  const doc = await parseYaml(file, text);
  return isRecord(doc) ? namesOf(doc, file) : undefined;
}

/** A YAML file's document; a UsageError names the file when it is not YAML. */
export async function parseYaml(file: string, text: string): Promise<unknown> {
  const { parse } = await import("yaml");
  try {
    return parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${file}: not valid YAML (${(error as Error).message.split("\n")[0]})`);
  }
}

/**
 * The class names of an Ultralytics dataset YAML: `names:` as a list or a map from class
 * index to name; without `names:`, `nc: N` names them class_0 ... class_N-1, as
 * Ultralytics does. Undefined when it has neither.
 */
export function namesOf(doc: Record<string, unknown>, file: string): Map<number, string> | undefined {
  if (doc.names === undefined || doc.names === null) {
    const count = doc.nc;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) return undefined;
    return new Map(Array.from({ length: count }, (_, index) => [index, `class_${index}`]));
  }
  const names = doc.names;
  const entries: Array<[unknown, unknown]> = Array.isArray(names) ? names.map((name, index) => [index, name]) : isRecord(names) ? Object.entries(names) : [];
  if (entries.length === 0) throw new UsageError(`${file}: "names" must be a list of class names or a map from class index to name`);
  const map = new Map<number, string>();
  for (const [key, value] of entries) {
    const index = /^\d+$/.test(String(key)) ? Number(key) : Number.NaN;
    if (!Number.isInteger(index) || index < 0) throw new UsageError(`${file}: names: "${String(key)}" is not a class index (0, 1, 2, ...)`);
    if (typeof value !== "string" && typeof value !== "number") throw new UsageError(`${file}: names: class ${index} has no name`);
    map.set(index, String(value));
  }
  return map;
}
