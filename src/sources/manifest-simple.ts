import type { InputKind } from "../validate/limits.js";
import { type ContentPart, type RowReader, RowProblem, parseGeo, parseKind, parseConceptsCell, parseList, parseMetadata, resolveContent } from "./manifest-fields.js";

/** The simple dialect's columns (any subset, any order); `--failed-out` writes them too. */
export const SIMPLE_COLUMNS = ["id", "type", "file", "url", "text", "concepts", "metadata", "lon", "lat", "dataset"] as const;
export type SimpleColumn = (typeof SIMPLE_COLUMNS)[number];

/** Columns of this dialect that hold content; a header needs one of them. */
export const SIMPLE_CONTENT_COLUMNS: readonly SimpleColumn[] = ["file", "url", "text"];

/**
 * Rows of `id,type,file,url,text,concepts,metadata,lon,lat,dataset`. `header` holds the
 * column names lower-cased; columns it does not know are not read. `defaultKind` is the
 * kind of file and URL rows whose `type` cell is empty.
 */
export function simpleReader(header: readonly string[], defaultKind?: InputKind): RowReader {
  const index = new Map<string, number>(header.map((name, at) => [name, at]));
  const cell = (cells: readonly string[], column: SimpleColumn): string => {
    const at = index.get(column);
    return at === undefined ? "" : (cells[at] ?? "");
  };
  return {
    dialect: "simple",
    readId: (cells) => cell(cells, "id").trim() || undefined,
    read(cells) {
      const kind = parseKind(cell(cells, "type"));
      const metadata = parseMetadata(cell(cells, "metadata"));
      const geo = parseGeo(cell(cells, "lon"), cell(cells, "lat"));
      const { content, prompt } = resolveContent(contentParts(cells, cell, kind, defaultKind));
      const concepts = parseConceptsCell(cell(cells, "concepts"), true);
      const datasetIds = parseList(cell(cells, "dataset"));
      return {
        content,
        prompt,
        concepts,
        metadata,
        geo,
        datasetIds: datasetIds.length > 0 ? datasetIds : undefined,
      };
    },
  };
}

type CellReader = (cells: readonly string[], column: SimpleColumn) => string;

function contentParts(cells: readonly string[], cell: CellReader, kind: InputKind | undefined, defaultKind: InputKind | undefined): ContentPart[] {
  const parts: ContentPart[] = [];
  const file = cell(cells, "file").trim();
  const url = cell(cells, "url").trim();
  const text = cell(cells, "text");
  if (file !== "") parts.push({ via: "file", value: file, kind: kind ?? defaultKind });
  if (url !== "") parts.push({ via: "url", value: url, kind: kind ?? defaultKind });
  if (text.trim() !== "") parts.push({ via: "text", value: text, kind: "text" });
  if (kind !== undefined && kind !== "text" && file === "" && url === "" && parts.length > 0) {
    throw new RowProblem("no_content", `type ${kind} needs a file or a url; the row has only text`);
  }
  return parts;
}
