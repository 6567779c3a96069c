import { describe, expect, it } from "vitest";
import { ClarifaiClient } from "../../../src/api/client.js";

const client = (pat: string) => new ClarifaiClient({ settings: { apiBase: "http://127.0.0.1:1", pat, userId: "u", appId: "a", insecure: true } });

describe("the PAT in messages", () => {
  it("is taken out of any text that may reach the user", () => {
    const pat = "0123456789abcdef0123456789abcdef";
    const c = client(pat);
    try {
      expect(c.redact(`refused key ${pat} for ${pat}`)).toBe("refused key *** for ***");
    } finally {
      c.close();
    }
  });

  it("is left alone when it is too short to be a secret, so that messages stay readable", () => {
    const c = client("local");
    try {
      expect(c.redact("S3 is not reachable by the local server")).toBe("S3 is not reachable by the local server");
    } finally {
      c.close();
    }
  });
});
