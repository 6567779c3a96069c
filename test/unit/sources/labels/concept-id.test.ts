import { describe, expect, it } from "vitest";
import { conceptId } from "../../../../src/sources/labels/concept-id.js";

describe("conceptId", () => {
  it("keeps a valid id", () => {
    for (const id of ["cat", "Traffic_Light-2", "0"]) expect(conceptId(id)).toBe(id);
  });

  it("joins words with '-' and drops accents", () => {
    expect(conceptId("traffic light")).toBe("traffic-light");
    expect(conceptId(" person (standing) ")).toBe("person-standing");
    expect(conceptId("a.b/c")).toBe("a-b-c");
    expect(conceptId("café crème")).toBe("cafe-creme");
  });

  it("adds a hash when letters outside ASCII were dropped, so such labels stay apart", () => {
    expect(conceptId("猫")).toMatch(/^c-[0-9a-f]{8}$/);
    expect(conceptId("犬")).toMatch(/^c-[0-9a-f]{8}$/);
    expect(conceptId("猫")).not.toBe(conceptId("犬"));
    expect(conceptId("cat 猫")).toMatch(/^cat-[0-9a-f]{8}$/);
    expect(conceptId("猫")).toBe(conceptId(" 猫 "));
    expect(conceptId("!!!")).toMatch(/^c-[0-9a-f]{8}$/);
  });

  it("always gives an id of [A-Za-z0-9_-]", () => {
    for (const label of ["a b", "ü", "🐱", "x\ty", "-", "Ω-3"]) expect(conceptId(label)).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});
