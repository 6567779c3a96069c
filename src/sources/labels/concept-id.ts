import { createHash } from "node:crypto";

const VALID_ID = /^[A-Za-z0-9_-]+$/;
const HASH_LENGTH = 8;

/**
 * The concept id for a label, within the characters the platform accepts in ids
 * ([A-Za-z0-9_-]); the label itself stays the concept's name.
 *
 * - A label that is already a valid id is used unchanged ("cat", "traffic_light").
 * - Otherwise accents are dropped ("café" -> "cafe") and every run of other characters
 *   (spaces, punctuation) becomes one "-", trimmed at the ends: "traffic light" ->
 *   "traffic-light", "person (standing)" -> "person-standing". Labels that differ only
 *   in such separators are taken to mean the same concept.
 * - When letters or digits outside ASCII had to be dropped ("猫", "cat 猫"), a short
 *   hash of the trimmed label is appended ("cat-1a2b3c4d"; "c-1a2b3c4d" when nothing is
 *   left), so two such labels never share an id.
 *
 * Deterministic: the same label gives the same id in every run and every format.
 */
export function conceptId(label: string): string {
  const trimmed = label.trim();
  if (VALID_ID.test(trimmed)) return trimmed;
  const plain = trimmed.normalize("NFKD").replace(/\p{M}/gu, "");
  const id = plain.split(/[^A-Za-z0-9_-]+/).filter((word) => word !== "").join("-");
  const lostLettersOrDigits = /[\p{L}\p{N}]/u.test(plain.replace(/[A-Za-z0-9]/g, ""));
  if (id !== "" && !lostLettersOrDigits) return id;
  const hash = createHash("sha256").update(trimmed).digest("hex").slice(0, HASH_LENGTH);
  return `${id === "" ? "c" : id}-${hash}`;
}
