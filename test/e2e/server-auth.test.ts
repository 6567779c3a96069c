import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { connectApi, startTestServer, TEST_PAT, type TestServer } from "../helpers/server.js";

describe("local server: authentication", () => {
  describe("with PATs configured", () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ pats: [TEST_PAT, "second-pat"] });
    });
    afterAll(async () => {
      await t.stop();
    });

    it("accepts each configured PAT", async () => {
      expect((await t.api.listInputs({})).status?.code).toBe(StatusCode.SUCCESS);
      const second = connectApi(t.address, { pat: "second-pat" });
      expect((await second.listDatasets({})).status?.code).toBe(StatusCode.SUCCESS);
      second.close();
    });

    it("no key -> CONN_KEY_NOT_FOUND, an unknown or malformed key -> CONN_KEY_INVALID (gRPC OK)", async () => {
      const none = connectApi(t.address, { pat: null });
      const wrong = connectApi(t.address, { pat: "wrong-pat" });
      const malformed = connectApi(t.address, { authorization: `Bearer ${TEST_PAT}` });
      try {
        const a = await none.postInputs({ inputs: [{ id: "x", data: { text: { raw: "x" } } }] });
        expect(a.status?.code).toBe(StatusCode.CONN_KEY_NOT_FOUND);
        expect(a.inputs).toHaveLength(0);
        const b = await wrong.getInputsAddJob({ id: "x" });
        expect(b.status?.code).toBe(StatusCode.CONN_KEY_INVALID);
        expect(b.status?.description).toBe("Invalid API key or Invalid API key/application pair");
        const c = await malformed.listInputs({});
        expect(c.status?.code).toBe(StatusCode.CONN_KEY_INVALID);
        expect(JSON.stringify([a, b, c])).not.toContain(TEST_PAT);
        expect((await t.api.getInput({ inputId: "x" })).status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
      } finally {
        none.close();
        wrong.close();
        malformed.close();
      }
    });

    it("never logs a PAT", () => {
      expect(t.logs.length).toBeGreaterThan(0);
      expect(t.logs.join("\n")).not.toContain(TEST_PAT);
      expect(t.logs.join("\n")).not.toContain("wrong-pat");
    });
  });

  describe("with no PAT configured", () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer();
    });
    afterAll(async () => {
      await t.stop();
    });

    it("accepts any key, and says so at start", async () => {
      expect(t.logs.some((line) => /accepting any key/.test(line))).toBe(true);
      const any = connectApi(t.address, { pat: "anything" });
      const none = connectApi(t.address, { pat: null });
      expect((await any.listInputs({})).status?.code).toBe(StatusCode.SUCCESS);
      expect((await none.listInputs({})).status?.code).toBe(StatusCode.SUCCESS);
      any.close();
      none.close();
    });

    it("a request without user_app_id -> CONN_INVALID_REQUEST", async () => {
      const res = await t.api.listInputs({ userAppId: undefined });
      expect(res.status?.code).toBe(StatusCode.CONN_INVALID_REQUEST);
      expect(res.status?.description).toMatch(/user_app_id/);
      const noApp = await t.api.postInputs({ userAppId: { userId: "u" }, inputs: [{ data: { text: { raw: "x" } } }] });
      expect(noApp.status?.code).toBe(StatusCode.CONN_INVALID_REQUEST);
    });

    it("every RPC answers with no PAT configured: an unknown upload is CONN_DOES_NOT_EXIST", async () => {
      const res = await t.api.getUpload({ uploadId: "x" });
      expect(res.status?.code).toBe(StatusCode.CONN_DOES_NOT_EXIST);
    });
  });
});
