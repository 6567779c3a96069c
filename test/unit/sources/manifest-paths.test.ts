import { describe, expect, it } from "vitest";
import { INPUT_SCHEMA } from "../../../src/sources/manifest-dotted.js";
import { assignPath, checkPath, formatPath, parsePath, snakeCase } from "../../../src/sources/manifest-paths.js";

describe("dotted field paths", () => {
  it("parses names and list indexes", () => {
    expect(parsePath("input.data.concepts[12].id")).toEqual(["input", "data", "concepts", 12, "id"]);
    expect(parsePath("a[0][1]")).toEqual(["a", 0, 1]);
    expect(parsePath("a..b")).toBeUndefined();
    expect(parsePath("a[x]")).toBeUndefined();
    expect(parsePath("a]")).toBeUndefined();
    expect(formatPath(["input", "data", "concepts", 3, "value"])).toBe("input.data.concepts[3].value");
  });

  it("spells field names in snake_case", () => {
    expect(snakeCase("geoPoint")).toBe("geo_point");
    expect(snakeCase("datasetIds")).toBe("dataset_ids");
    expect(snakeCase("GEO_POINT")).toBe("geo_point");
  });

  it("checks paths against the Input schema", () => {
    const check = (path: string): ReturnType<typeof checkPath> => checkPath(INPUT_SCHEMA, parsePath(path) ?? []);
    expect(check("input.data.geo.geoPoint.latitude")).toEqual({ segments: ["input", "data", "geo", "geo_point", "latitude"], cell: "scalar" });
    expect(check("input.data.metadata")).toEqual({ segments: ["input", "data", "metadata"], cell: "json" });
    expect(check("input.data.metadata.Product.SKU")).toEqual({ segments: ["input", "data", "metadata", "Product", "SKU"], cell: "scalar" });
    expect(check("input.dataset_ids[2]")).toEqual({ segments: ["input", "dataset_ids", 2], cell: "scalar" });
    expect(check("input.dataset_ids")).toMatch(/is a list/);
    expect(check("input.data.concepts.id")).toMatch(/is a list/);
    expect(check("input.id[0]")).toMatch(/has no fields|not a list/);
    expect(check("input.data.image.width")).toMatch(/not a field we read/);
    expect(check("input.data.concepts[10000].id")).toMatch(/above/);
  });

  it("builds nested objects and lists, merging objects and keeping __proto__ a plain key", () => {
    const root: Record<string, unknown> = {};
    assignPath(root, ["input", "data", "concepts", 1, "id"], "dog");
    assignPath(root, ["input", "data", "metadata"], { a: 1, nested: { x: 1 } });
    assignPath(root, ["input", "data", "metadata", "nested", "y"], "2");
    assignPath(root, ["input", "data", "metadata", "__proto__", "polluted"], "yes");
    expect(root).toEqual({ input: { data: { concepts: [undefined, { id: "dog" }], metadata: { a: 1, nested: { x: 1, y: "2" }, ["__proto__"]: { polluted: "yes" } } } } });
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    const metadata = (root["input"] as { data: { metadata: object } }).data.metadata;
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
  });
});
