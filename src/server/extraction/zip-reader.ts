import { type Entry, open, type Options, type ZipFile } from "yauzl";

/** One entry of a ZIP archive, in central directory order. */
export interface ZipEntry {
  /** Position in the central directory (directories included): the resume point. */
  index: number;
  name: string;
  /** Declared uncompressed size (yauzl checks the real size against it while reading). */
  size: number;
  isDirectory: boolean;
  encrypted: boolean;
  /** The entry's bytes, decompressed. */
  read(): Promise<Buffer>;
}

/**
 * Names are decoded here rather than by yauzl, which refuses the whole archive
 * at the first absolute or `../` name: the server never writes entries to
 * disk, a name only becomes the text an input id is derived from.
 */
const OPTIONS: Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: false,
  validateEntrySizes: true,
};

/** ZIP magic numbers: a local file header, an empty archive, a spanned archive. */
export function isZip(head: Uint8Array): boolean {
  if (head.length < 4 || head[0] !== 0x50 || head[1] !== 0x4b) return false;
  const a = head[2];
  const b = head[3];
  return (a === 3 && b === 4) || (a === 5 && b === 6) || (a === 7 && b === 8);
}

/** The entries of the archive at `path`, one at a time; the archive is closed when the iteration ends. */
export async function* zipEntries(path: string): AsyncGenerator<ZipEntry> {
  const zip = await openZip(path);
  const lister = new EntryLister(zip);
  try {
    for (let index = 0; ; index++) {
      const entry = await lister.next();
      if (entry === undefined) return;
      const name = entryName(entry);
      yield {
        index,
        name,
        size: entry.uncompressedSize,
        isDirectory: name.endsWith("/"),
        encrypted: entry.isEncrypted(),
        read: () => readEntry(zip, entry),
      };
    }
  } finally {
    zip.close();
  }
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    open(path, OPTIONS, (error, zipfile) => (error ? reject(error) : resolve(zipfile)));
  });
}

function entryName(entry: Entry): string {
  const raw: unknown = entry.fileName;
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), "utf8");
  const utf8 = (entry.generalPurposeBitFlag & 0x800) !== 0;
  return bytes.toString(utf8 ? "utf8" : "latin1").replace(/\\/g, "/");
}

function readEntry(zip: ZipFile, entry: Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error !== null) {
        reject(error);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("end", () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Turns yauzl's entry/end/error events into one promise per entry. */
interface Waiter {
  resolve: (entry: Entry | undefined) => void;
  reject: (error: Error) => void;
}

class EntryLister {
  private waiter: Waiter | undefined;
  private failure: Error | undefined;

  constructor(private readonly zip: ZipFile) {
    zip.on("entry", (entry: Entry) => this.settle((w) => w.resolve(entry)));
    zip.on("end", () => this.settle((w) => w.resolve(undefined)));
    // Stays attached: an unheard "error" event would crash the process.
    zip.on("error", (error: Error) => {
      this.failure = error;
      this.settle((w) => w.reject(error));
    });
  }

  next(): Promise<Entry | undefined> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.zip.readEntry();
    });
  }

  private settle(action: (waiter: Waiter) => void): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) action(waiter);
  }
}
