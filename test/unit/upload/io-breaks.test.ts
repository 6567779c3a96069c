import { describe, expect, it } from "vitest";
import { IoBreaks } from "../../../src/upload/io-breaks.js";

/** Whether a callback queued with setImmediate before `due()` ran before the break it asked for ended (none: false). */
async function letsIoRun(breaks: IoBreaks): Promise<boolean> {
  let ran = false;
  setImmediate(() => (ran = true));
  const wait = breaks.due();
  if (wait) await wait;
  return ran;
}

describe("IoBreaks", () => {
  it("lets pending callbacks run once the synchronous stretch is over its limit", async () => {
    const breaks = new IoBreaks(0);
    expect(await letsIoRun(breaks)).toBe(true);
  });

  it("asks for no break within the limit", async () => {
    const breaks = new IoBreaks(60_000);
    expect(breaks.due()).toBeUndefined();
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
