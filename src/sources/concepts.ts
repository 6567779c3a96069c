/**
 * Concepts with values, as every source gives them: `{id, name, value}`. A value of 1
 * says the concept is present, 0 that it is not (a negative concept, which the platform
 * stores and trains on), anything between a degree of it. Values outside 0..1 are refused.
 *
 * The text syntax, used by the simple manifest dialect's `concepts` cell and `--concepts`:
 * items separated by `,` or `;`, each a name with an optional `:value` after it
 * (`cat:0.8;dog:0`, `cat, dog`); an item without a value has value 1.
 */
import { conceptId } from "./labels/concept-id.js";

export interface Concept {
  /** The platform's concept id ([A-Za-z0-9_-]). */
  readonly id: string;
  /** The label as it was written. */
  readonly name: string;
  /** 0 (a negative concept) to 1. */
  readonly value: number;
}

/** A concept text that breaks a rule; the message says which, the caller names the row or file. */
export class ConceptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConceptError";
  }
}

/** The value of a concept when none is given. */
export const PRESENT = 1;

/**
 * A concept from a label. Its id is the one given when that is a valid concept id, else
 * made from the given id or the label by `conceptId()`. Throws a ConceptError for a
 * value outside 0..1.
 */
export function conceptOf(name: string, value: number = PRESENT, id?: string): Concept {
  const label = name.trim();
  if (label === "") throw new ConceptError("a concept has no name");
  checkValue(value, label);
  return { id: conceptId(id?.trim() || label), name: label, value };
}

/** Throws a ConceptError unless `value` is a number from 0 to 1. */
export function checkValue(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    throw new ConceptError(`concept ${JSON.stringify(name)} has value ${String(value)}; a concept's value must be a number from 0 to 1 (0: a negative concept)`);
  }
}

/** A value written as text: a decimal number (`0`, `0.8`, `1`, `.5`, `1e-1`). */
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * One `name[:value]` item. What follows the last `:` is the value when it is a number
 * (which must then be from 0 to 1); otherwise the `:` is part of the name, as in the
 * namespaced label `color:red`.
 */
export function parseConceptItem(item: string): Concept {
  const text = item.trim();
  const colon = text.lastIndexOf(":");
  const valueText = text.slice(colon + 1).trim();
  if (colon >= 0 && valueText === "") throw new ConceptError(`concept ${JSON.stringify(text)}: after the ":" comes its value, a number from 0 to 1 (as in cat:0.8), not ""`);
  if (colon < 0 || !NUMBER.test(valueText)) return conceptOf(text);
  const name = text.slice(0, colon);
  if (name.trim() === "") throw new ConceptError(`concept ${JSON.stringify(text)} has a value but no name`);
  return conceptOf(name, Number(valueText));
}

/** A list of concepts in the text syntax; empty items are skipped; a concept named twice keeps its last value. */
export function parseConceptList(text: string): Concept[] {
  const items = text.split(/[,;]/).filter((item) => item.trim() !== "");
  return mergeConcepts(items.map(parseConceptItem));
}

/** The text syntax of a list: `cat`, or `cat:0.8` when the value is not 1. */
export function formatConceptList(concepts: readonly Concept[]): string {
  return concepts.map((concept) => (concept.value === PRESENT ? concept.name : `${concept.name}:${concept.value}`)).join(",");
}

/**
 * The concepts of several lists, one per id, in the order first seen; where an id is in
 * more than one list, the later list's value and name win (an input's own concepts over
 * the run's defaults).
 */
export function mergeConcepts(...lists: ReadonlyArray<readonly Concept[] | undefined>): Concept[] {
  const byId = new Map<string, Concept>();
  for (const list of lists) {
    for (const concept of list ?? []) byId.set(concept.id, concept);
  }
  return [...byId.values()];
}
