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
    registry.close();
  });

  it("keeps the same collisions when its ids are written to disk and its filter is full", () => {
    // Collisions throughout: every folder holds a.jpg, and the suffixed id of the
    // first copy is then claimed again as a plain id (it must be suffixed in turn).
    const claim = (registry: IdRegistry): Array<{ id: string; collidedWith?: string }> => {
      const claims = [];
      for (let folder = 0; folder < 300; folder++) {
        claims.push(registry.claim(`f${folder}_b_jpg`, `f${folder}/b.jpg`));
        claims.push(registry.claim("a_jpg", `f${folder}/a.jpg`));
      }
      const suffixed = claims[3]!.id;
      claims.push(registry.claim(suffixed, "elsewhere/named-like-a-suffixed-id"));
      return claims;
    };
    const inMemory = new IdRegistry({ flushEvery: 1_000_000 });
    const onDisk = new IdRegistry({ flushEvery: 5, mergeEvery: 23, log2FilterBits: 9 });
    const expected = claim(inMemory);
    const got = claim(onDisk);
    expect(got).toEqual(expected);
    expect(new Set(got.map((c) => c.id)).size).toBe(got.length);
    expect(got.filter((c) => c.collidedWith === "a_jpg")).toHaveLength(299);
    expect(got[got.length - 1]!.collidedWith).toBe(got[3]!.id);
    inMemory.close();
    onDisk.close();
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
