import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createReporter } from "../../../src/report/reporter.js";

/** A plain-lines reporter writing a progress line every 10 ms into `lines`. */
function linesReporter(): { reporter: ReturnType<typeof createReporter>; lines: string[] } {
  const lines: string[] = [];
  const stderr = new PassThrough() as unknown as NodeJS.WriteStream;
  stderr.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter((line) => line !== "")));
  const reporter = createReporter({ mode: "lines", progress: true, lineIntervalSeconds: 0.01, stderr, stdout: new PassThrough() });
  return { reporter, lines };
}

async function nextProgressLine(lines: string[]): Promise<string> {
  const seen = lines.length;
  for (let i = 0; i < 200; i++) {
    const line = lines.slice(seen).find((text) => text.startsWith("progress:"));
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("no progress line");
}

describe("the reporter's progress", () => {
  it("counts an input the job log says failed processing as often as allowed as failed and done, not as one uploaded less", async () => {
    const { reporter, lines } = linesReporter();
    const source = "/photos/a.jpg";
    reporter.listener({ type: "discovered", source });
    reporter.listener({ type: "walk_done", discovered: 1 });
    const message = `${source}: input a failed processing 3 time(s), as many as --max-processing-attempts allows; not sent again (bad image)`;
    reporter.listener({ type: "input", id: "a", source, status: "failed", reason: "processing_failed", message, bytes: 0, fromLog: true });
    expect(await nextProgressLine(lines)).toMatch(/^progress: 1 found \(all found\), 0 uploaded, 0 present, 0 rejected, 1 failed,/);
    reporter.close();
  });

  it("moves an input --wait found failed from uploaded to failed", async () => {
    const { reporter, lines } = linesReporter();
    const source = "/photos/b.jpg";
    reporter.listener({ type: "discovered", source });
    reporter.listener({ type: "walk_done", discovered: 1 });
    reporter.listener({ type: "input", id: "b", source, status: "uploaded", bytes: 10 });
    expect(await nextProgressLine(lines)).toMatch(/, 1 uploaded, 0 present, 0 rejected, 0 failed,/);
    reporter.listener({ type: "input", id: "b", source, status: "failed", reason: "processing_failed", message: `${source}: failed processing`, bytes: 0, processing: { code: 30002, description: "bad image", attempts: 1 } });
    expect(await nextProgressLine(lines)).toMatch(/, 0 uploaded, 0 present, 0 rejected, 1 failed,/);
    reporter.close();
  });
});
