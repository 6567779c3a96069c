import type { InputKind } from "../validate/limits.js";
import type { ReasonCode } from "../reasons.js";
import type { Concept } from "./concepts.js";

/** Random access to the bytes of a file or an archive entry, read only when needed. */
export interface ByteSource {
  /** Size in bytes as found at discovery (file size, or an entry's declared size). */
  readonly size: number;
  /** The file these bytes are, when they are a whole file on disk (not an archive entry). */
  readonly path?: string;
  /** Up to `length` bytes from the start (fewer if the source is shorter). */
  head(length: number): Promise<Buffer>;
  /** `head` without waiting, where the source can read it so (a small read of a file); undefined where it cannot. */
  headNow?(length: number): Buffer | undefined;
  /** Every byte. Fails when the bytes read differ in length from `size`. */
  all(): Promise<Buffer>;
  /** Every byte, into `target` (exactly `size` long), failing as `all()` does. */
  readInto(target: Buffer): Promise<void>;
  /** Every byte, a chunk at a time, each valid only until the next is asked for; fails as `all()` does. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** What an input is made of. */
export type Content =
  | { readonly kind: "bytes"; readonly bytes: ByteSource; readonly declaredKind?: InputKind }
  | { readonly kind: "url"; readonly url: string; readonly declaredKind?: InputKind }
  | { readonly kind: "text"; readonly text: string };

export interface GeoPoint {
  readonly longitude: number;
  readonly latitude: number;
}

/** One thing a source found that may become an input. Nothing has been checked yet. */
export interface Candidate {
  /** Where it came from, as shown to the user: a path, `archive.zip:entry`, `list.csv:12` or a URL. */
  readonly source: string;
  /** Path relative to the source root with `/` separators (for URLs: the URL). Ids derive from it. */
  readonly relPath: string;
  readonly content: Content;
  /** Changes whenever the content changes: size + mtime for files, CRC for entries, hash for rows. */
  readonly fingerprint: string;
  /** An explicit input id (from a manifest), used as is instead of deriving one. */
  readonly id?: string;
  /** Concepts with their values (1 present, 0 a negative concept), as the source gave them. */
  readonly concepts?: readonly Concept[];
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly geo?: GeoPoint;
  readonly datasetIds?: readonly string[];
  /** Text sent in the same input as an image or video (a multimodal [Image, Text] input). */
  readonly prompt?: string;
  /**
   * Concepts, metadata and geo are final: a transform saw the run's defaults merged in
   * and returned what it wants sent, so the defaults are not merged again.
   */
  readonly finalData?: boolean;
}

/** Why a walk leaves a file out without reading it. */
export type LeftOutReason = "hidden" | "symlink" | "not_a_file";

/**
 * A manifest row the reader refused, as it was, by the simple dialect's column names
 * (`file` made absolute), so that `--failed-out` can write it back for the user to fix.
 */
export type RefusedRow = Readonly<Record<string, string>>;

/** What a source tells besides its candidates: entries it could not use, and oddities. */
export interface SourceReport {
  /** Something that is not sent, with a stable reason code and a message naming it (and a refused manifest row's fields). */
  rejected(source: string, reason: ReasonCode, message: string, row?: RefusedRow): void;
  warning(source: string, message: string): void;
  /** A file the walk found that is an annotation file (a label file, a sidecar): not an input. */
  annotationFile?(source: string): void;
  /** A file the walk left out: hidden, a symlink it does not follow, or not a regular file. */
  leftOut?(source: string, why: LeftOutReason): void;
}
