import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StatusCode } from "../../../src/gen/clarifai/api/status/status_code.js";
import { integrityProblem } from "../../../src/server/media/integrity.js";
import { checkMedia } from "../../../src/server/media/media-rules.js";
import { sniffFormat } from "../../../src/server/media/sniff.js";
import { decodeText } from "../../../src/server/media/text-rules.js";
import { makeMp3, makeMp4, makePng, makeWav, PDF, pngOfSize, TINY_GIF, TINY_JPEG } from "../../helpers/server.js";

const MiB = 1024 * 1024;

describe("server media checks", () => {
  it("sniffs formats from bytes", async () => {
    expect(await sniffFormat(TINY_JPEG)).toBe("jpeg");
    expect(await sniffFormat(makePng())).toBe("png");
    expect(await sniffFormat(TINY_GIF)).toBe("gif");
    expect(await sniffFormat(makeWav())).toBe("wav");
    expect(await sniffFormat(makeMp4())).toBe("mp4");
    expect(await sniffFormat(makeMp3())).toBe("mp3");
    expect(await sniffFormat(PDF)).toBe("pdf");
    expect(await sniffFormat(Buffer.from("just text"))).toBeNull();
    expect(await sniffFormat(Buffer.alloc(0))).toBeNull();
  });

  it("whole files pass the integrity check, cut ones do not", () => {
    const cases: [string, Buffer][] = [
      ["jpeg", TINY_JPEG],
      ["png", makePng(5, 5)],
      ["gif", TINY_GIF],
      ["wav", makeWav()],
      ["mp4", makeMp4()],
    ];
    for (const [format, bytes] of cases) {
      expect(integrityProblem(format, bytes), format).toBeNull();
      const cut = bytes.subarray(0, Math.floor(bytes.length * 0.7));
      expect(integrityProblem(format, cut), `${format} cut`).toMatch(/truncated|no |corrupt/);
    }
    expect(integrityProblem("jpeg", Buffer.from([0x00, 0x01]))).toMatch(/start-of-image/);
  });

  it("the committed fixtures: media are whole, broken/truncated.jpg is not", () => {
    const media = join("fixtures", "media");
    if (!existsSync(media)) return;
    return (async () => {
      for (const name of readdirSync(media)) {
        const bytes = readFileSync(join(media, name));
        const format = await sniffFormat(bytes);
        if (format !== null) expect(integrityProblem(format, bytes), name).toBeNull();
      }
      const truncated = join("fixtures", "broken", "truncated.jpg");
      if (existsSync(truncated)) expect(integrityProblem("jpeg", readFileSync(truncated))).toMatch(/truncated/);
    })();
  });

  it("applies the per-kind limits with the platform's codes", async () => {
    expect(await checkMedia("image", TINY_JPEG)).toMatchObject({ ok: true, format: "jpeg", width: 8, height: 8 });
    expect(await checkMedia("image", pngOfSize(20 * MiB))).toMatchObject({
      ok: false,
      code: StatusCode.INPUT_OVER_LIMIT,
      description: expect.stringMatching(/smaller than 20 MiB/),
    });
    expect((await checkMedia("image", pngOfSize(20 * MiB - 1))).ok).toBe(true);
    expect(await checkMedia("image", makePng(2, 2, 0, { width: 10_000, height: 8_501 }))).toMatchObject({
      ok: false,
      code: StatusCode.INPUT_OVER_LIMIT,
      description: expect.stringMatching(/85 megapixels/),
    });
    expect((await checkMedia("image", makePng(2, 2, 0, { width: 10_000, height: 8_500 }))).ok).toBe(true);
    expect(await checkMedia("image", PDF)).toMatchObject({ ok: false, code: StatusCode.INPUT_UNSUPPORTED_FORMAT });
    expect(await checkMedia("audio", makeMp3())).toMatchObject({
      ok: false,
      code: StatusCode.INPUT_UNSUPPORTED_FORMAT,
      description: expect.stringMatching(/audio must be WAV/),
    });
    expect(await checkMedia("video", makePng())).toMatchObject({ ok: false, code: StatusCode.INPUT_UNSUPPORTED_FORMAT });
    expect(await checkMedia("video", makeMp4())).toMatchObject({ ok: true, format: "mp4" });
  });

  it("downloaded text must be UTF-8 without NUL bytes", () => {
    expect(decodeText(Buffer.from("héllo"))).toBe("héllo");
    expect(decodeText(Buffer.from([0x68, 0xe9, 0x6c]))).toBeNull();
    expect(decodeText(Buffer.from([0xff, 0xfe, 0x68, 0x00]))).toBeNull();
  });
});
