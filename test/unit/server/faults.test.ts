import { describe, expect, it } from "vitest";
import { Faults, hashToUnit, mulberry32 } from "../../../src/server/faults.js";

describe("server faults", () => {
  it("mulberry32 is deterministic per seed and uniform enough", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it("hashToUnit maps strings to [0, 1) deterministically", () => {
    expect(hashToUnit("a")).toBe(hashToUnit("a"));
    expect(hashToUnit("a")).not.toBe(hashToUnit("b"));
    for (let i = 0; i < 200; i++) {
      const v = hashToUnit(`k${i}`);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });

  it("request faults follow the seed and the probabilities", () => {
    const run = (seed: number): (string | null)[] => {
      const f = new Faults({ throttle: 0.3, unavailable: 0.2, seed });
      return Array.from({ length: 2000 }, () => f.forRequest());
    };
    const first = run(7);
    expect(run(7)).toEqual(first);
    expect(run(8)).not.toEqual(first);
    const share = (kind: string): number => first.filter((x) => x === kind).length / first.length;
    expect(share("unavailable")).toBeGreaterThan(0.15);
    expect(share("unavailable")).toBeLessThan(0.25);
    expect(share("throttle")).toBeGreaterThan(0.25);
    expect(share("throttle")).toBeLessThan(0.35);
  });

  it("knobs at zero or one are never or always", () => {
    const none = new Faults({ seed: 1 });
    expect(none.enabled).toBe(false);
    expect(none.forRequest()).toBeNull();
    expect(none.inputFails("x")).toBe(false);
    const always = new Faults({ throttle: 1, inputFailure: 1, seed: 1 });
    expect(always.forRequest()).toBe("throttle");
    expect(always.inputFails("x")).toBe(true);
    expect(new Faults({ unavailable: 1 }).forRequest()).toBe("unavailable");
  });

  it("input faults depend on seed, id and attempt, not on order", () => {
    const ids = Array.from({ length: 400 }, (_, i) => `input-${i}`);
    const a = new Faults({ inputFailure: 0.5, seed: 3 });
    const b = new Faults({ inputFailure: 0.5, seed: 3 });
    const forward = ids.map((id) => a.inputFails(id));
    const backward = [...ids].reverse().map((id) => b.inputFails(id)).reverse();
    expect(backward).toEqual(forward);
    const failedShare = forward.filter(Boolean).length / ids.length;
    expect(failedShare).toBeGreaterThan(0.4);
    expect(failedShare).toBeLessThan(0.6);
    // A retried input eventually gets through: each attempt is a fresh draw.
    const c = new Faults({ inputFailure: 0.5, seed: 3 });
    for (const id of ids) {
      let attempts = 0;
      while (c.inputFails(id)) attempts++;
      expect(attempts).toBeLessThan(40);
    }
  });

  it("rejects probabilities outside [0, 1]", () => {
    expect(() => new Faults({ throttle: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => new Faults({ inputFailure: -0.1 })).toThrow(/between 0 and 1/);
  });
});
