import { describe, expect, it } from "vitest";
import { RateLimiter } from "../../../src/api/rate-limiter.js";

describe("RateLimiter", () => {
  it("allows a burst then holds the average rate", async () => {
    const limiter = new RateLimiter(50, 5);
    const started = performance.now();
    for (let i = 0; i < 15; i++) await limiter.acquire();
    const elapsed = performance.now() - started;
    // 5 free, then 10 more at 50/s need about 200 ms.
    expect(elapsed).toBeGreaterThanOrEqual(180);
  });

  it("does not limit when the rate is 0", async () => {
    const limiter = new RateLimiter(0);
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await limiter.acquire();
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
