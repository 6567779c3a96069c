import { randomBytes } from "node:crypto";

/** Ids the platform accepts for inputs, datasets, annotations and jobs. */
export const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** The platform refuses ids longer than this ("id must be between 1 and 48 characters long"). */
export const MAX_ID_LENGTH = 48;

export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && ID_PATTERN.test(id);
}

export function idRuleText(what: string, id: string): string {
  return (
    `${what} '${id}' is not a valid id: an id must be 1 to ${MAX_ID_LENGTH} characters ` +
    "long and use only letters, digits, '_' and '-'"
  );
}

/** A random 32-character hex id, the shape the platform gives generated ids. */
export function randomId(): string {
  return randomBytes(16).toString("hex");
}
