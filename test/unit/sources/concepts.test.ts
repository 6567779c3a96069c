import { describe, expect, it } from "vitest";
import { ConceptError, conceptOf, formatConceptList, mergeConcepts, parseConceptItem, parseConceptList } from "../../../src/sources/concepts.js";

describe("concepts with values", () => {
  it("reads name[:value] items separated by , or ;, value 1 unless given", () => {
    expect(parseConceptList("cat:0.8;dog:0, bird")).toEqual([
      { id: "cat", name: "cat", value: 0.8 },
      { id: "dog", name: "dog", value: 0 },
      { id: "bird", name: "bird", value: 1 },
    ]);
    expect(parseConceptItem(" traffic light : .5 ")).toEqual({ id: "traffic-light", name: "traffic light", value: 0.5 });
    expect(parseConceptList(" , ;")).toEqual([]);
  });

  it("keeps the last value of a concept named twice", () => {
    expect(parseConceptList("cat:0.2,cat")).toEqual([{ id: "cat", name: "cat", value: 1 }]);
    expect(mergeConcepts([conceptOf("a"), conceptOf("b")], [conceptOf("a", 0)])).toEqual([conceptOf("a", 0), conceptOf("b")]);
  });

  it.each([
    ["cat:1.5", 'concept "cat" has value 1.5; a concept\'s value must be a number from 0 to 1 (0: a negative concept)'],
    ["cat:-0.1", 'concept "cat" has value -0.1'],
    ["cat:", 'not ""'],
    [":0.5", 'concept ":0.5" has a value but no name'],
  ])("refuses %j", (text, message) => {
    expect(() => parseConceptList(text)).toThrow(ConceptError);
    expect(() => parseConceptList(text)).toThrow(message);
  });

  it("keeps a ':' that is not followed by a number in the name (namespaced labels)", () => {
    expect(parseConceptList("color:red, color:blue:0")).toEqual([conceptOf("color:red"), conceptOf("color:blue", 0)]);
  });

  it("writes the list back in the same syntax", () => {
    const list = [conceptOf("cat"), conceptOf("dog", 0), conceptOf("traffic light", 0.25)];
    expect(formatConceptList(list)).toBe("cat,dog:0,traffic light:0.25");
    expect(parseConceptList(formatConceptList(list))).toEqual(list);
  });

  it("keeps a valid id it is given and makes one otherwise", () => {
    expect(conceptOf("Cat", 1, "cat-01")).toEqual({ id: "cat-01", name: "Cat", value: 1 });
    expect(conceptOf("Cat", 1, "my cat")).toEqual({ id: "my-cat", name: "Cat", value: 1 });
  });
});
