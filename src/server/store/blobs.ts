import { randomBytes } from "node:crypto";
import { mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Input bytes as files under DIR/blobs/, spread over 256 sub-folders. A blob is
 * written before the row that names it, and removed after that row is deleted.
 */
export class BlobStore {
  constructor(readonly root: string) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const dirs: Promise<unknown>[] = [];
    for (let i = 0; i < 256; i++) {
      dirs.push(mkdir(join(this.root, i.toString(16).padStart(2, "0")), { recursive: true }));
    }
    await Promise.all(dirs);
  }

  /** A fresh blob name ("ab/ab12...") that no other blob has. */
  newName(): string {
    const hex = randomBytes(16).toString("hex");
    return `${hex.slice(0, 2)}/${hex}`;
  }

  path(name: string): string {
    return join(this.root, name);
  }

  async write(name: string, bytes: Uint8Array): Promise<void> {
    await writeFile(this.path(name), bytes);
  }

  async read(name: string): Promise<Buffer> {
    return readFile(this.path(name));
  }

  /** Removes blobs; a missing one is not an error. */
  async remove(names: readonly string[]): Promise<void> {
    await Promise.all(
      names.map(async (name) => {
        try {
          await unlink(this.path(name));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        }
      }),
    );
  }
}
