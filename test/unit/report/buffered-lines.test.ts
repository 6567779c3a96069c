import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { bufferedLines } from "../../../src/report/buffered-lines.js";

/** A stream that keeps what is written to it, as the bytes a reader would get. */
function collector(): { stream: Writable; writes: number; text(): string } {
  const chunks: Buffer[] = [];
  const sink = {
    writes: 0,
    stream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(Buffer.from(chunk));
        sink.writes++;
        done();
      },
    }),
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
  return sink;
}

describe("lines buffered for stdout", () => {
  it("come out whole and in order, in few writes, whatever their characters and lengths", async () => {
    const sink = collector();
    const lines = bufferedLines(sink.stream);
    const written: string[] = [];
    for (let i = 0; i < 5000; i++) {
      // ASCII, two-, three- and four-byte characters, and now and then a line longer than a chunk.
      const line = i % 1000 === 999 ? `${"x".repeat(100_000)}${i}\n` : `{"n":${i},"name":"dätä/猫/😀/${"a".repeat(i % 300)}"}\n`;
      lines.write(line);
      written.push(line);
    }
    expect(sink.writes).toBeGreaterThan(0); // full chunks go out without waiting for the turn to end
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.text()).toBe(written.join(""));
    expect(sink.writes).toBeLessThan(100);
  });

  it("are held until the turn of the event loop ends, or until flushed", async () => {
    const sink = collector();
    const lines = bufferedLines(sink.stream);
    lines.write("one\n");
    lines.write("two\n");
    expect(sink.text()).toBe("");
    lines.flush();
    expect(sink.text()).toBe("one\ntwo\n");
    lines.write("three\n");
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.text()).toBe("one\ntwo\nthree\n");
    expect(sink.writes).toBe(2);
  });
});
