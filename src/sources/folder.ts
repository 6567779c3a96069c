import { readdirSync, realpath, statSync } from "node:fs";
import type { Dirent, Stats } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import type { Entry, FileSystemAdapter } from "fast-glob";
import { codeOf } from "../errors.js";
import type { Candidate } from "./candidate.js";
import { fileByteSource, fileFingerprint, unstatedFile } from "./file-bytes.js";
import { byPath, MergedListing, type FolderEntry } from "./folder-listing.js";
import { GROUP_SIZE, inGroups, type CandidateGroups } from "./groups.js";

export interface FolderOptions {
  include?: readonly string[];
  exclude?: readonly string[];
  hidden?: boolean;
  followSymlinks?: boolean;
  /** --include and --exclude globs match regardless of case. */
  ignoreCase?: boolean;
  /** Called once per directory that a followed symlink leads back into (a loop, not walked again). */
  onLoop?: (path: string) => void;
  /** Called for each entry left out: hidden (without `hidden`), a symlink not followed, not a regular file. */
  onSkip?: (path: string, why: "hidden" | "symlink" | "not_a_file") => void;
  /**
   * Called for each folder that could not be listed (`folder`), or not to its end
   * (`folder_rest`: what it listed before is walked), and each followed link to a file
   * that could not be stat'ed, with the error's code.
   */
  onError?: (path: string, code: string, what: "folder" | "folder_rest" | "file") => void;
  /** Where a folder counts as large (its own size, as stat gives it), and the entries of a large one sorted in memory at a time (defaults: 1 MiB, 50,000). */
  largeFolders?: { minBytes: number; runEntries?: number };
}

/**
 * A folder this large is sorted on disk (see MergedListing) instead of in memory: ten
 * million files in one folder would take gigabytes. A folder's own size grows with its
 * entries: 1 MiB is some 30,000 to 50,000 of them (by the length of their names) on
 * ext4, XFS, btrfs or tmpfs.
 */
const LARGE_FOLDER_BYTES = 1024 * 1024;

/**
 * A folder's files, in groups. Without --include, --exclude or --follow-symlinks (the
 * common case) the walk is the tool's own: each folder listed once, its entries in the
 * order of their names, its subfolders walked where their names fall. Files come out in
 * the order of their paths, as the job's index keeps them, so a re-run finds a group's
 * records with one scan of the index. A large folder is sorted on disk, so that its
 * listing is never held whole. Globs and followed links are fast-glob's.
 */
export function walkFolder(root: string, options: FolderOptions = {}): CandidateGroups {
  const plain = !options.include?.length && !options.exclude?.length && !options.followSymlinks;
  return plain ? walkInOrder(resolve(root), options) : inGroups(walkWithGlobs(root, options));
}

/** A folder being walked: its entries in path order, and the next to look at. */
interface Listing {
  readonly path: string;
  /** Its path relative to the root, with `/` after it (empty for the root). */
  readonly relPrefix: string;
  entries: FolderEntry[];
  next: number;
  /** A large folder's entries after `entries`, still to be merged from disk. */
  rest: MergedListing | undefined;
}

async function* walkInOrder(base: string, options: FolderOptions): CandidateGroups {
  const absoluteOf = joinerFor(base);
  const largeBytes = options.largeFolders?.minBytes ?? LARGE_FOLDER_BYTES;
  const stack: Listing[] = [];
  const enter = (relPrefix: string): void => {
    const path = relPrefix === "" ? base : absoluteOf(relPrefix.slice(0, -1));
    try {
      const merged = statSync(path).size >= largeBytes ? MergedListing.open(path, options.largeFolders?.runEntries) : null;
      if (merged) {
        stack.push({ path, relPrefix, entries: [], next: 0, rest: merged });
        return;
      }
      // A smaller folder, or no temporary file to sort a large one in: sorted in memory.
      const entries = readdirSync(path, { withFileTypes: true });
      entries.sort(byPath);
      stack.push({ path, relPrefix, entries, next: 0, rest: undefined });
    } catch (error) {
      options.onError?.(path, codeOf(error), "folder");
    }
  };
  enter("");
  let group: Candidate[] = [];
  try {
    while (stack.length > 0) {
      const listing = stack[stack.length - 1]!;
      if (listing.next === listing.entries.length && listing.rest) readMore(listing, options);
      if (listing.next === listing.entries.length) {
        stack.pop();
        continue;
      }
      const entry = listing.entries[listing.next++]!;
      const relPath = listing.relPrefix + entry.name;
      if (!options.hidden && entry.name.startsWith(".")) options.onSkip?.(absoluteOf(relPath), "hidden");
      else if (entry.isFile()) {
        group.push(unstatedFile(absoluteOf(relPath), relPath));
        if (group.length === GROUP_SIZE) {
          yield group;
          group = [];
        }
      } else if (entry.isDirectory()) enter(`${relPath}/`);
      else if (entry.isSymbolicLink()) options.onSkip?.(absoluteOf(relPath), "symlink");
      else options.onSkip?.(absoluteOf(relPath), "not_a_file");
    }
    if (group.length > 0) yield group;
  } finally {
    // A walk given up halfway (the run stopped) still closes the sorted listings it holds open.
    for (const listing of stack) closeQuietly(listing.rest);
  }
}

/** The next entries of a large folder, merged from disk; its listing is closed after the last. */
function readMore(listing: Listing, options: FolderOptions): void {
  const merged = listing.rest!;
  listing.entries = [];
  listing.next = 0;
  try {
    for (let entry = merged.next(); entry !== undefined; entry = merged.next()) {
      listing.entries.push(entry);
      if (listing.entries.length === GROUP_SIZE) return;
    }
  } catch (error) {
    options.onError?.(listing.path, codeOf(error), "folder_rest");
  }
  listing.rest = undefined;
  closeQuietly(merged);
}

function closeQuietly(listing: MergedListing | undefined): void {
  try {
    listing?.close();
  } catch {
    // Its temporary file is gone already: nothing more to read from it either way.
  }
}

/**
 * Joins a normalised path relative to `base` (with `/`, as both walks make them) to it:
 * where `/` is the separator, by concatenation, which needs no normalising again.
 */
function joinerFor(base: string): (relPath: string) => string {
  if (sep !== "/") return (relPath) => join(base, relPath);
  const prefix = base.endsWith("/") ? base : `${base}/`;
  return (relPath) => `${prefix}${relPath}`;
}

/**
 * How many found files may wait unread before the walk holds back. Few: an entry that
 * waits long outlives two young-generation collections and is moved to the old one,
 * which then grows with garbage (a no-change re-run of a million files peaked at 164 MiB
 * with 4,096, at 130 with 1,024, in the same CPU time).
 */
const MAX_UNREAD_ENTRIES = 1024;

type ReaddirCallback = (error: NodeJS.ErrnoException | null, entries: Array<Dirent | string>) => void;

async function* walkWithGlobs(root: string, options: FolderOptions): AsyncGenerator<Candidate> {
  const base = resolve(root);
  const absoluteOf = joinerFor(base);
  const seenDirs = new Set<string>();
  // fast-glob's stream does not wait for its reader: left alone it would list (and stat)
  // a whole tree into memory while uploads lag behind. Holding back each directory read
  // while many entries wait unread bounds memory whatever the size of the tree.
  let stream: Readable | undefined;
  const whenReaderCatchesUp = (then: () => void): void => {
    if (stream?.destroyed) return; // the reader stopped: the walk is abandoned
    if (!stream || stream.readableLength < MAX_UNREAD_ENTRIES) return then();
    setTimeout(() => whenReaderCatchesUp(then), 5);
  };
  // fast-glob calls readdir with or without options, depending on its settings.
  const fsAdapter = {
    readdir(path: string, optionsOrCallback: object | ReaddirCallback, maybeCallback?: ReaddirCallback): void {
      const callback = typeof optionsOrCallback === "function" ? optionsOrCallback : (maybeCallback as ReaddirCallback);
      const readOptions = typeof optionsOrCallback === "function" ? {} : optionsOrCallback;
      const list = (): void => {
        // Read on this thread: a folder is listed in microseconds per entry, and a round
        // trip through the thread pool per folder left the walk waiting between folders.
        let entries: Array<Dirent | string>;
        try {
          entries = readdirSync(path, readOptions) as Array<Dirent | string>;
        } catch (error) {
          // fast-glob lists a pattern's base folder (`nope/**` lists `nope`) whether it
          // exists or not: that it does not is no error (the pattern matched nothing).
          const code = codeOf(error);
          if (code !== "ENOENT" && code !== "ENOTDIR") options.onError?.(resolve(path), code, "folder");
          return process.nextTick(callback, error as NodeJS.ErrnoException, []);
        }
        if (options.onSkip) {
          for (const entry of entries) {
            const name = typeof entry === "string" ? entry : entry.name;
            if (!options.hidden && name.startsWith(".")) options.onSkip(resolve(path, name), "hidden");
            else if (!options.followSymlinks && typeof entry !== "string" && entry.isSymbolicLink()) options.onSkip(resolve(path, name), "symlink");
          }
        }
        process.nextTick(callback, null, entries);
      };
      // A loop needs a followed symlink: only then is each folder's real path remembered.
      if (!options.followSymlinks) return whenReaderCatchesUp(list);
      whenReaderCatchesUp(() => realpath(path, (error, real) => {
        if (error) {
          options.onError?.(resolve(path), codeOf(error), "folder");
          return callback(error, []);
        }
        if (seenDirs.has(real)) {
          options.onLoop?.(path);
          return callback(null, []);
        }
        seenDirs.add(real);
        list();
      }));
    },
  };
  // Loaded only for a walk with globs or followed links: other runs start without it.
  const { default: fg } = await import("fast-glob");
  stream = fg.stream(options.include?.length ? [...options.include] : ["**"], {
    cwd: base,
    ignore: [...(options.exclude ?? [])],
    dot: options.hidden ?? false,
    followSymbolicLinks: options.followSymlinks ?? false,
    // Folders are dropped below; special files and links that lead nowhere are reported there.
    onlyFiles: false,
    baseNameMatch: true,
    caseSensitiveMatch: !(options.ignoreCase ?? false),
    // No stats from fast-glob: it would stat every entry of a folder before emitting any,
    // through the thread pool (11-19 µs per file here, against 5-7 µs for the stream and
    // a synchronous stat). A file is stat'ed when it is first read or compared.
    objectMode: true,
    suppressErrors: true,
    // fast-glob dedupes through a set of every path it has found: memory that grows with
    // the tree. Only patterns with different bases can find a file twice.
    unique: (options.include?.length ?? 0) > 1,
    fs: fsAdapter as unknown as FileSystemAdapter,
  }) as Readable;
  for await (const raw of stream) {
    const entry = raw as unknown as Entry;
    const absolute = absoluteOf(entry.path);
    if (entry.dirent.isDirectory()) continue;
    if (!options.followSymlinks) {
      // Links are counted as left out when their folder is listed.
      if (entry.dirent.isSymbolicLink()) continue;
      if (!entry.dirent.isFile()) {
        options.onSkip?.(absolute, "not_a_file");
        continue;
      }
      // A regular file by its directory entry: stat'ed by its first read.
      yield unstatedFile(absolute, entry.path);
      continue;
    }
    // A followed symlink's target is known only by a stat.
    let stats: Stats | undefined;
    try {
      stats = statSync(absolute, { throwIfNoEntry: false });
    } catch (error) {
      options.onError?.(absolute, codeOf(error), "file");
      continue;
    }
    if (stats === undefined) {
      options.onError?.(absolute, "ENOENT", "file");
      continue;
    }
    if (!stats.isFile()) {
      options.onSkip?.(absolute, "not_a_file");
      continue;
    }
    yield {
      source: absolute,
      relPath: entry.path,
      content: { kind: "bytes", bytes: fileByteSource(absolute, stats.size) },
      fingerprint: fileFingerprint(stats.size, stats.mtimeMs),
    };
  }
}
