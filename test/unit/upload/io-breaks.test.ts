import { describe, expect, it } from "vitest";
import { IoBreaks } from "../../../src/upload/io-breaks.js";

/** Whether a callback queued with setImmediate before `pause()` ran before the pause ended. */
async function letsIoRun(breaks: IoBreaks): Promise<boolean> {
  let ran = false;
  setImmediate(() => (ran = true));
  await breaks.pause();
  return ran;
}

describe("IoBreaks", () => {
  it("lets pending callbacks run once the synchronous stretch is over its limit", async () => {
    const breaks = new IoBreaks(0);
    expect(await letsIoRun(breaks)).toBe(true);
  });

  it("resolves at once, without a turn of the event loop, within the limit", async () => {
    const breaks = new IoBreaks(60_000);
    expect(await letsIoRun(breaks)).toBe(false);
  });

  it("counts the stretch from the last break", async () => {
    const breaks = new IoBreaks(30);
    expect(await letsIoRun(breaks)).toBe(false);
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // synchronous work past the limit
    }
    expect(await letsIoRun(breaks)).toBe(true);
    expect(await letsIoRun(breaks)).toBe(false);
  });
});
