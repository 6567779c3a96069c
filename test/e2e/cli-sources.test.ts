import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAllInputs, startTestApp, type TestApp } from "../helpers/app.js";
import { FIXTURES, isolatedEnv, jsonLines, runCli, summaryOf } from "../helpers/cli.js";

describe("transforms, archives, manifests and annotations", { timeout: 60_000 }, () => {
  let app: TestApp;
  const env = isolatedEnv();

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app.close();
  });

  it("applies a --transform: the spec's non-ASCII stripping, tagging, skipping and failing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cu-transform-"));
    writeFileSync(join(dir, "note.txt"), "café naïve — text\n");
    const ascii = await runCli(["files", join(dir, "note.txt"), "--id-prefix", "tr-", "--transform", join(FIXTURES, "transforms", "ascii-only.mjs"), "--json", ...app.flags], env);
    expect(ascii.code).toBe(0);
    const stored = (await listAllInputs(app.client)).find((input) => input.id.startsWith("tr-"));
    const text = await app.client.call("getInput", { inputId: stored?.id ?? "" });
    expect(text.input?.data?.text?.raw).toBe("caf nave  text\n");

    const tagged = await runCli(["folder", join(FIXTURES, "media"), "--id-prefix", "tag-", "--concepts", "base", "--transform", join(FIXTURES, "transforms", "tag-and-skip.mjs"), "--json", ...app.flags], env);
    expect(tagged.code).toBe(1);
    const events = jsonLines(tagged.stdout).filter((line) => line.event === "input");
    expect(events.find((e) => String(e.source).endsWith("image.gif"))).toMatchObject({ status: "skipped", reason: "transform_skipped" });
    expect(events.find((e) => String(e.source).endsWith("audio.wav"))).toMatchObject({ status: "rejected", reason: "transform_error" });
    expect(String(events.find((e) => String(e.source).endsWith("audio.wav"))?.message)).toContain("no audio today");
    expect(summaryOf(tagged.stdout)).toMatchObject({ skipped: 1, rejected: 1 });
    const inputs = (await listAllInputs(app.client)).filter((input) => input.id.startsWith("tag-"));
    const png = inputs.find((input) => input.data?.metadata?.filename === "image.png");
    expect(png?.data?.concepts.map((c) => c.id).sort()).toEqual(["base", "image"]);
    expect(png?.data?.metadata).toMatchObject({ transformed: true, filename: "image.png" });
    expect(inputs.some((input) => input.data?.metadata?.filename === "image.gif")).toBe(false);
  });
});
