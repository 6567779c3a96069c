/** Bytes of lines gathered before they are written, unless a turn of the event loop ends first. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Lines for a stream (stdout), written together once per turn of the event loop: one line
 * per input would otherwise be one write (a system call on a pipe) per input. Each line is
 * encoded into the chunk as it comes: joining a turn's lines into one string and encoding
 * that cost several times as much (a million lines of a re-run with --json).
 */
export function bufferedLines(stream: NodeJS.WritableStream): { write(text: string): void; flush(): void } {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  const flush = (): void => {
    if (used === 0) return;
    // A copy of what is used: the stream may hold on to it until it is written, and the chunk is filled again.
    const lines = Buffer.from(chunk.subarray(0, used));
    used = 0;
    stream.write(lines);
  };
  return {
    write(text: string): void {
      // A UTF-16 code unit takes at most three bytes of UTF-8.
      if (used + 3 * text.length > chunk.length) {
        flush();
        if (3 * text.length > chunk.length) {
          stream.write(text);
          return;
        }
      }
      if (used === 0) setImmediate(flush);
      used += chunk.write(text, used);
    },
    flush,
  };
}
