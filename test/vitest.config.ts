import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // One temporary folder for the whole run, removed at its end (see global-setup.ts).
    globalSetup: ["test/global-setup.ts"],
  },
});
