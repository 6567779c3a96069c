import { describe, expect, it } from "vitest";
import { RequestBuffers } from "../../../src/upload/request-buffers.js";

const MiB = 1024 * 1024;

describe("RequestBuffers", () => {
  it("gives buffers of exactly the size asked for", () => {
    const buffers = new RequestBuffers(64 * MiB);
    expect(buffers.take(100).length).toBe(100);
    expect(buffers.take(10 * MiB).length).toBe(10 * MiB);
  });

  it("reuses the memory of a buffer handed back for a request of about its size", () => {
    const buffers = new RequestBuffers(64 * MiB);
    const first = buffers.take(10 * MiB);
    buffers.give(first);
    const second = buffers.take(9 * MiB);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(9 * MiB);
    // Taken again, it is no longer free: the next request gets memory of its own.
    expect(buffers.take(9 * MiB).buffer).not.toBe(first.buffer);
  });

  it("does not serve a much smaller request from a large buffer, nor a larger one", () => {
    const buffers = new RequestBuffers(64 * MiB);
    const large = buffers.take(10 * MiB);
    buffers.give(large);
    expect(buffers.take(2 * MiB).buffer).not.toBe(large.buffer);
    expect(buffers.take(11 * MiB).buffer).not.toBe(large.buffer);
    expect(buffers.take(10 * MiB).buffer).toBe(large.buffer);
  });

  it("picks the smallest free buffer that fits", () => {
    const buffers = new RequestBuffers(64 * MiB);
    const [a, b, c] = [buffers.take(12 * MiB), buffers.take(10 * MiB), buffers.take(11 * MiB)];
    for (const buffer of [a, b, c]) buffers.give(buffer);
    expect(buffers.take(9 * MiB).buffer).toBe(b.buffer);
    expect(buffers.take(9 * MiB).buffer).toBe(c.buffer);
  });

  it("keeps no more free memory than allowed, letting the oldest go", () => {
    const buffers = new RequestBuffers(20 * MiB);
    const [a, b, c] = [buffers.take(10 * MiB), buffers.take(10 * MiB), buffers.take(10 * MiB)];
    for (const buffer of [a, b, c]) buffers.give(buffer);
    const taken = [buffers.take(10 * MiB), buffers.take(10 * MiB), buffers.take(10 * MiB)].map((buffer) => buffer.buffer);
    expect(taken).not.toContain(a.buffer);
    expect(taken).toContain(b.buffer);
    expect(taken).toContain(c.buffer);
  });

  it("does not keep buffers under 1 MiB", () => {
    const buffers = new RequestBuffers(64 * MiB);
    const small = buffers.take(512 * 1024);
    buffers.give(small);
    expect(buffers.take(512 * 1024).buffer).not.toBe(small.buffer);
  });
});
