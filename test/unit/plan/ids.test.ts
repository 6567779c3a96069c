import { describe, expect, it } from "vitest";
import { IdRegistry, idFromName, isValidInputId, MAX_ID_LENGTH, shardOf } from "../../../src/plan/ids.js";

describe("input ids", () => {
  it("keeps clean names and hashes lossy ones", () => {
    expect(idFromName("photo_01")).toBe("photo_01");
    const jpg = idFromName("cats/a.jpg");
    const png = idFromName("cats/a.png");
    expect(jpg).toMatch(/^cats_a_jpg-[0-9a-f]{8}$/);
    expect(png).not.toBe(jpg);
    expect(idFromName("cats/a.jpg")).toBe(jpg);
    expect(idFromName("x", "pre-")).toBe("pre-x");
  });

  it("bounds the length and stays valid", () => {
    const long = idFromName("d/".repeat(300) + "file.jpg");
    expect(long.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(isValidInputId(long)).toBe(true);
    expect(isValidInputId(idFromName("ünïcödé name.jpg"))).toBe(true);
    expect(isValidInputId("bad id")).toBe(false);
  });

  it("makes colliding ids unique and says so", () => {
    const registry = new IdRegistry();
    expect(registry.claim("a_jpg", "x/a.jpg")).toEqual({ id: "a_jpg" });
    const second = registry.claim("a_jpg", "y/a.jpg");
    expect(second.collidedWith).toBe("a_jpg");
    expect(second.id).not.toBe("a_jpg");
    const third = registry.claim("a_jpg", "z/a.jpg");
    expect(new Set([second.id, third.id]).size).toBe(2);
  });

  it("splits ids into shards that cover everything once", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `id-${i}`);
    const counts = [0, 0, 0, 0];
    for (const id of ids) counts[shardOf(id, 4)]++;
    expect(counts.reduce((a, b) => a + b)).toBe(1000);
    for (const count of counts) expect(count).toBeGreaterThan(150);
    expect(shardOf("id-1", 4)).toBe(shardOf("id-1", 4));
  });
});
