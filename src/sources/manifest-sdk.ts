import type { InputKind } from "../validate/limits.js";
import { type ContentPart, type RowReader, RowProblem, parseConceptsCell, parseGeo, parseMetadata } from "./manifest-fields.js";

/**
 * The columns of the official Python SDK's CSV (`Dataset.upload_from_csv`,
 * `Inputs.get_inputs_from_csv`). The SDK refuses any other column, and so do we.
 */
export const SDK_COLUMNS = ["inputid", "input", "concepts", "metadata", "geopoints"] as const;
export type SdkColumn = (typeof SDK_COLUMNS)[number];

/** What the SDK's `input` column holds: raw text, URLs or local file paths (its `csv_type`). */
export type CsvType = "raw" | "url" | "file_path";
export const CSV_TYPES: readonly CsvType[] = ["raw", "url", "file_path"];

/**
 * Rows as the SDK reads them: `input` per `csvType`; `concepts` comma-separated labels;
 * `metadata` a JSON object, which the SDK writes with single quotes (`{'split': 'train'}`);
 * `geopoints` "longitude,latitude". `kind` is the SDK's `input_type` (text for raw rows).
 */
export function sdkReader(header: readonly string[], csvType: CsvType, kind: InputKind | undefined): RowReader {
  const index = new Map<string, number>(header.map((name, at) => [name, at]));
  const cell = (cells: readonly string[], column: SdkColumn): string => {
    const at = index.get(column);
    return at === undefined ? "" : (cells[at] ?? "");
  };
  return {
    dialect: "sdk",
    readId: (cells) => cell(cells, "inputid").trim() || undefined,
    read(cells) {
      const metadata = parseMetadata(cell(cells, "metadata"), true);
      const geo = parseGeoPoints(cell(cells, "geopoints"));
      const content = contentOf(cell(cells, "input"), csvType, kind);
      const concepts = parseConceptsCell(cell(cells, "concepts"), false);
      return { content, concepts, metadata, geo };
    },
  };
}

function contentOf(input: string, csvType: CsvType, kind: InputKind | undefined): ContentPart {
  if (input.trim() === "") throw new RowProblem("no_content", "the input column is empty");
  if (csvType === "raw") return { via: "text", value: input, kind: "text" };
  return { via: csvType === "url" ? "url" : "file", value: input.trim(), kind };
}

/** "longitude,latitude", as the SDK writes it. */
function parseGeoPoints(cell: string): ReturnType<typeof parseGeo> {
  if (cell.trim() === "") return undefined;
  const parts = cell.split(",");
  if (parts.length !== 2) throw new RowProblem("bad_geo", `geopoints ${JSON.stringify(cell)} is not "longitude,latitude"`);
  return parseGeo(parts[0] as string, parts[1] as string);
}
