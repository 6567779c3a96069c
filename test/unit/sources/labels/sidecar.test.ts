import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { conceptOf } from "../../../../src/sources/concepts.js";
import { normalizeRegions } from "../../../../src/sources/labels/normalize.js";
import { parseSidecar, readSidecar, SidecarError, sidecarPath } from "../../../../src/sources/labels/sidecar.js";
import { LABELS, shapeOf } from "./helpers.js";

const CAT = `${LABELS}/sidecars/cat.jpg`;

describe("readSidecar", () => {
  it("reads photo.jpg.json beside photo.jpg: concepts, metadata, geo and regions", async () => {
    const sidecar = await readSidecar(CAT);
    const origin = (n: number): string => `${CAT}.json: region ${n}`;
    expect(sidecar).toEqual({
      concepts: [conceptOf("cat"), conceptOf("indoor"), conceptOf("dog", 0), { id: "Blurry-photo", name: "Blurry photo", value: 0.25 }],
      metadata: { photographer: "ann", iso: 200 },
      geo: { longitude: 2.35, latitude: 48.85 },
      regions: [
        { concept: "cat", box: { x: 8, y: 6, width: 16, height: 12 }, origin: origin(1) },
        { concept: "cat ear", polygon: [{ x: 8, y: 6 }, { x: 16, y: 6 }, { x: 12, y: 0 }], origin: origin(2) },
        { concept: "toy", value: 0.5, box: { x: 0.5, y: 0.5, width: 0.25, height: 0.25 }, normalized: true, origin: origin(3) },
      ],
    });
    expect(normalizeRegions(sidecar!.regions!, 32, 24).regions.map(shapeOf)).toEqual([
      { box: [0.25, 0.25, 0.75, 0.75], concepts: ["cat/cat/1"] },
      { points: [[0.25, 0.25], [0.25, 0.5], [0, 0.375]], concepts: ["cat-ear/cat ear/1"] },
      { box: [0.5, 0.5, 0.75, 0.75], concepts: ["toy/toy/0.5"] },
    ]);
  });

  it("is undefined when there is no sidecar", async () => {
    expect(await readSidecar(`${LABELS}/images/cat.jpg`)).toBeUndefined();
    expect(sidecarPath("a/b.png")).toBe("a/b.png.json");
  });

  it("throws a SidecarError naming the file and the problem when it is malformed", async () => {
    await expect(readSidecar(`${LABELS}/sidecars/dog.png`)).rejects.toThrow(
      new SidecarError(`${LABELS}/sidecars/dog.png.json`, `"geo": latitude must be a number from -90 to 90, not 123`),
    );
    const dir = mkdtempSync(join(tmpdir(), "cu-sidecar-"));
    writeFileSync(join(dir, "a.jpg.json"), "{ concepts: [] }");
    await expect(readSidecar(join(dir, "a.jpg"))).rejects.toThrow(new RegExp(`^${join(dir, "a.jpg.json")}: not valid JSON`));
    mkdirSync(join(dir, "b.jpg.json"));
    await expect(readSidecar(join(dir, "b.jpg"))).rejects.toThrow(/b\.jpg\.json: cannot read it/);
  });

  it("applies a top-level \"normalized\" to every region unless a region says otherwise; accepts a BOM", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-sidecar-"));
    const doc = {
      normalized: true,
      regions: [
        { concept: "a", box: { x: 0, y: 0, width: 0.5, height: 0.5 } },
        { concept: "b", box: { x: 0, y: 0, width: 5, height: 5 }, normalized: false },
      ],
    };
    writeFileSync(join(dir, "a.jpg.json"), `\uFEFF${JSON.stringify(doc)}`);
    const sidecar = await readSidecar(join(dir, "a.jpg"));
    expect(sidecar!.regions!.map((region) => region.normalized)).toEqual([true, undefined]);
  });
});

describe("parseSidecar", () => {
  const cases: Array<[unknown, string]> = [
    [[], "the top level must be a JSON object"],
    [{ concept: ["a"] }, `unknown key "concept" (allowed: concepts, metadata, geo, regions, normalized)`],
    [{ concepts: "cat" }, `"concepts" must be a list of names or { "name", "value" } objects, not "cat"`],
    [{ concepts: ["cat", " "] }, `concept 2: must be a name or { "name", "id", "value" }, not an empty name`],
    [{ concepts: [{ name: "cat", value: 1.5 }] }, `concept 1: concept "cat" has value 1.5; a concept's value must be a number from 0 to 1 (0: a negative concept)`],
    [{ concepts: [{ name: "cat", value: "high" }] }, `concept 1: "value" must be a number from 0 to 1, not "high"`],
    [{ concepts: [{ value: 1 }] }, `concept 1: needs a "name" or an "id"`],
    [{ regions: [{ concept: "a", value: -1, box: { x: 0, y: 0, width: 1, height: 1 } }] }, `region 1: "value" must be a number from 0 to 1 (0: a negative concept), not -1`],
    [{ metadata: [1] }, `"metadata" must be a JSON object, not [1]`],
    [{ geo: [2, 48] }, `"geo" must be an object { "longitude": ..., "latitude": ... }, not [2,48]`],
    [{ geo: { lon: 2, lat: 48 } }, `"geo": unknown keys "lon", "lat" (allowed: longitude, latitude)`],
    [{ geo: { longitude: 181, latitude: 0 } }, `"geo": longitude must be a number from -180 to 180, not 181`],
    [{ normalized: "yes" }, `"normalized" must be true or false`],
    [{ regions: {} }, `"regions" must be a list, not {}`],
    [{ regions: ["cat"] }, `region 1: must be an object { "concept", "box" or "polygon" }, not "cat"`],
    [{ regions: [{ box: { x: 0, y: 0, width: 1, height: 1 } }] }, `region 1: "concept" must be a non-empty string`],
    [{ regions: [{ concept: "a" }] }, `region 1: needs a "box" or a "polygon"`],
    [{ regions: [{ concept: "a", bbox: [1, 2, 3, 4] }] }, `region 1: unknown key "bbox" (allowed: concept, value, box, polygon, normalized)`],
    [{ regions: [{ concept: "a", box: [1, 2, 3, 4] }] }, `region 1: "box" must be { "x", "y", "width", "height" } numbers, not [1,2,3,4]`],
    [{ regions: [{ concept: "a", box: { x: 1, y: 2, w: 3, h: 4 } }] }, `region 1: "box": unknown keys "w", "h" (allowed: x, y, width, height)`],
    [{ regions: [{ concept: "a", polygon: [{ x: 1, y: 1 }, [2, 2]] }] }, `region 1: "polygon" must be a list of { "x", "y" } points; point 2 is [2,2]`],
    [{ regions: [{ concept: "a", polygon: {} }] }, `region 1: "polygon" must be a list of { "x", "y" } points, not {}`],
    [{ regions: [{ concept: "a", box: { x: 0, y: 0, width: 1, height: 1 }, normalized: 1 }] }, `region 1: "normalized" must be true or false`],
  ];
  it.each(cases)("rejects %j", (doc, message) => {
    expect(() => parseSidecar(doc, "p.jpg.json")).toThrow(new SidecarError("p.jpg.json", message));
  });

  it("leaves degenerate shapes to the normalizer, and an empty object is an empty sidecar", () => {
    expect(parseSidecar({}, "p.json")).toEqual({});
    const sidecar = parseSidecar({ regions: [{ concept: "a", polygon: [{ x: 1, y: 1 }] }] }, "p.json");
    expect(normalizeRegions(sidecar.regions!, 10, 10).problems).toEqual(["p.json: region 1: degenerate polygon: 1 point, at least 3 are needed"]);
  });
});
