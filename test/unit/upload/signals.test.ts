import { describe, expect, it } from "vitest";
import { onInterrupt } from "../../../src/upload/signals.js";

describe("Ctrl-C twice", () => {
  it("takes a signal sent twice at once (as timeout sends it) as one stop; a later one cancels", async () => {
    const seen: string[] = [];
    const handle = onInterrupt(
      () => seen.push("first"),
      () => seen.push("second"),
    );
    try {
      process.emit("SIGTERM");
      process.emit("SIGTERM");
      expect(seen).toEqual(["first"]);
      expect(handle.signal.aborted).toBe(true);
      expect(handle.cancel.aborted).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 350));
      process.emit("SIGINT");
      expect(seen).toEqual(["first", "second"]);
      expect(handle.cancel.aborted).toBe(true);
    } finally {
      handle.remove();
    }
  });
});
