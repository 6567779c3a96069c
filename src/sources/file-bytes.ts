import { open } from "node:fs/promises";
import type { ByteSource } from "./candidate.js";

/** A file's bytes, opened only when read. */
export function fileByteSource(path: string, size: number): ByteSource {
  return {
    size,
    async head(length: number): Promise<Buffer> {
      const handle = await open(path, "r");
      try {
        const buffer = Buffer.allocUnsafe(Math.min(length, Math.max(size, 0)));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    async all(): Promise<Buffer> {
      const handle = await open(path, "r");
      try {
        const buffer = Buffer.allocUnsafe(size);
        let offset = 0;
        while (offset < size) {
          const { bytesRead } = await handle.read(buffer, offset, size - offset, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
        }
        const extra = await handle.read(Buffer.alloc(1), 0, 1, offset);
        if (offset !== size || extra.bytesRead !== 0) {
          throw new Error(`${path} changed size while being read (expected ${size} bytes)`);
        }
        return buffer;
      } finally {
        await handle.close();
      }
    },
  };
}

/** Size + mtime: what tells a re-run that a file changed. */
export function fileFingerprint(size: number, mtimeMs: number): string {
  return `${size}:${Math.floor(mtimeMs)}`;
}
