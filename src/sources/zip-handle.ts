import { open, type Entry, type Options, type ZipFile } from "yauzl";

/**
 * How every archive is opened. Names are left undecoded and sizes unchecked by
 * yauzl on purpose: with decoded names yauzl refuses the whole archive at the
 * first `../` or absolute name, and with `validateEntrySizes` at the first stored
 * entry whose two sizes disagree. Both are judged here per entry instead, so one
 * hostile entry costs only itself; the bytes read are counted and checked
 * against the declared size (and CRC-32) by the entry reader.
 */
const OPEN_OPTIONS: Options = {
  lazyEntries: true,
  autoClose: false,
  decodeStrings: false,
  validateEntrySizes: false,
  strictFileNames: false,
};

export function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    open(path, OPEN_OPTIONS, (error, zipfile) => (error ? reject(error) : resolve(zipfile)));
  });
}

/**
 * An archive kept open exactly as long as someone uses it: the listing of its
 * entries, and each read of an entry's bytes while it runs.
 *
 * The pipeline reads an entry's bytes long after it was listed (when its batch
 * is built), possibly after the listing finished, and never says when it has
 * abandoned an entry (rejected, skipped, or the run stopped). So the archive is
 * not held open for entries that might still be read: it is closed as soon as
 * the listing is over and no read is in flight, and a later read opens it again
 * (a cheap open: yauzl reads only the end record, not the central directory).
 * No file descriptor outlives the last read, whatever the pipeline does with
 * the entries.
 */
export class ZipHandle {
  private current: ZipFile | undefined;
  private opening: Promise<ZipFile> | undefined;
  /** The listing counts as one user from the start. */
  private users = 1;
  /** The read that runs now, or the last one: the next waits for it. */
  private reading: Promise<unknown> = Promise.resolve();
  private readonly identity: string;

  constructor(
    readonly path: string,
    listing: ZipFile,
  ) {
    this.current = listing;
    this.identity = identityOf(listing);
  }

  /**
   * Runs `read` with the archive open; it stays open until `read` settles. Reads of one
   * archive run one at a time: yauzl reads every entry through one queue, and when an
   * entry's stream is stopped early (a head read) while its next read waits in that queue
   * behind another entry's, yauzl later runs that read on the stopped stream and throws
   * where nothing can catch it, which ends the process.
   */
  async use<T>(read: (zipfile: ZipFile) => Promise<T>): Promise<T> {
    this.users++;
    const turn = this.reading.then(async () => read(await this.open()));
    this.reading = turn.catch(() => undefined);
    try {
      return await turn;
    } finally {
      this.release();
    }
  }

  /** One user is done (the listing calls this when it ends). */
  release(): void {
    this.users--;
    if (this.users > 0) return;
    // yauzl closes the file descriptor once the last stream still open on it ends.
    this.current?.close();
    this.current = undefined;
  }

  private open(): Promise<ZipFile> {
    if (this.current) return Promise.resolve(this.current);
    this.opening ??= this.reopen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async reopen(): Promise<ZipFile> {
    const zipfile = await openZip(this.path);
    // Only a failed close can be reported here, and nothing can be done about it.
    zipfile.on("error", () => undefined);
    if (identityOf(zipfile) !== this.identity) {
      zipfile.close();
      throw new Error("the archive changed on disk after its entries were listed");
    }
    this.current = zipfile;
    return zipfile;
  }
}

/** Enough to tell that the file is no longer the archive that was listed (entry CRCs catch the rest). */
function identityOf(zipfile: ZipFile): string {
  return `${zipfile.fileSize}:${zipfile.entryCount}:${String(zipfile.comment)}`;
}

/** The entries of an open archive, one at a time, as promises. */
export class EntryLister {
  private pending: { resolve: (entry: Entry | undefined) => void; reject: (error: Error) => void } | undefined;
  private failure: Error | undefined;
  private ended = false;

  constructor(private readonly zipfile: ZipFile) {
    zipfile.on("entry", (entry: Entry) => this.settle((waiter) => waiter.resolve(entry)));
    zipfile.on("end", () => {
      this.ended = true;
      this.settle((waiter) => waiter.resolve(undefined));
    });
    // Stays attached after the listing: an unheard "error" event would crash the process.
    zipfile.on("error", (error: Error) => {
      this.failure = error;
      this.settle((waiter) => waiter.reject(error));
    });
  }

  /** How many central directory records have been read. */
  get read(): number {
    return this.zipfile.entriesRead;
  }

  get declared(): number {
    return this.zipfile.entryCount;
  }

  /** The next entry, undefined after the last; rejects when the central directory is damaged. */
  next(): Promise<Entry | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.zipfile.readEntry();
    });
  }

  private settle(how: (waiter: { resolve: (entry: Entry | undefined) => void; reject: (error: Error) => void }) => void): void {
    const waiter = this.pending;
    this.pending = undefined;
    if (waiter) how(waiter);
  }
}
