/**
 * `clarifai-upload serve` as a process (the built CLI, as `npm test` builds it
 * first): the listening line, PATs, a clean stop on SIGTERM and SIGINT, data
 * kept across runs, and flag validation.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StatusCode } from "../../src/gen/clarifai/api/status/status_code.js";
import { connectApi, waitFor } from "../helpers/server.js";

const BIN = resolve("bin", "clarifai-upload");
const built = existsSync(resolve("dist", "cli", "main.js"));

interface Serving {
  child: ChildProcess;
  address: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function serve(args: string[]): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exit = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  return new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`no listening line; stderr: ${stderr}`)), 10_000);
    // Ready once stdout has `listening HOST:PORT` and stderr its own listening line.
    const check = (): void => {
      const match = /^listening (\S+)\n/.exec(stdout);
      if (match?.[1] !== undefined && stderr.includes("listening on")) {
        clearTimeout(timer);
        ready({ child, address: match[1], stderr: () => stderr, exit });
      }
    };
    child.stderr?.on("data", check);
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      check();
    });
    void exit.then((code) => {
      clearTimeout(timer);
      fail(new Error(`serve exited with ${code}; stderr: ${stderr}`));
    });
  });
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "serve", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done) => child.on("exit", (code) => done({ code, stderr })));
}

describe.skipIf(!built)("clarifai-upload serve (built CLI)", { timeout: 30_000 }, () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "clarifai-serve-cli-"));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints the listening line, accepts only the given PATs, stops cleanly on SIGTERM", async () => {
    const s = await serve(["--port", "0", "--data", dataDir, "--pat", "first-pat", "--pat", "second-pat"]);
    expect(s.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(s.stderr()).toContain(`clarifai-upload serve: listening on ${s.address} (data in ${dataDir}; accepting 2 PATs)`);
    const first = connectApi(s.address, { pat: "first-pat" });
    const second = connectApi(s.address, { pat: "second-pat" });
    const wrong = connectApi(s.address, { pat: "third-pat" });
    try {
      const posted = await first.postInputs({ inputs: [{ id: "from-cli-test", data: { text: { raw: "kept" } } }] });
      expect(posted.status?.code).toBe(StatusCode.SUCCESS);
      expect((await second.listInputs({})).status?.code).toBe(StatusCode.SUCCESS);
      expect((await wrong.listInputs({})).status?.code).toBe(StatusCode.CONN_KEY_INVALID);
    } finally {
      first.close();
      second.close();
      wrong.close();
    }
    expect(s.stderr()).not.toMatch(/first-pat|second-pat|third-pat/);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  });

  it("keeps the data for the next run, and stops cleanly on SIGINT", async () => {
    const s = await serve(["--port", "0", "--data", dataDir]);
    expect(s.stderr()).toContain("accepting any PAT");
    const api = connectApi(s.address, { pat: "anything" });
    try {
      const got = await api.getInput({ inputId: "from-cli-test" });
      expect(got.input?.data?.text?.raw).toBe("kept");
    } finally {
      api.close();
    }
    s.child.kill("SIGINT");
    expect(await s.exit).toBe(0);
  });

  it("fault flags reach the server", async () => {
    const s = await serve(["--port", "0", "--data", dataDir, "--fault-throttle", "1", "--seed", "3"]);
    const api = connectApi(s.address);
    try {
      expect((await api.listInputs({})).status?.code).toBe(StatusCode.CONN_THROTTLED);
    } finally {
      api.close();
    }
    expect(s.stderr()).toMatch(/fault injection: throttle 1, .*seed 3/);
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  });

  it("--processing-delay keeps inputs pending until they are that old", async () => {
    const s = await serve(["--port", "0", "--data", dataDir, "--processing-delay", "1500"]);
    const api = connectApi(s.address);
    try {
      const posted = await api.postInputs({ inputs: [{ id: "processed-later", data: { text: { raw: "later" } } }] });
      expect(posted.status?.code).toBe(StatusCode.SUCCESS);
      const statusOf = async (): Promise<number | undefined> => (await api.getInput({ inputId: "processed-later" })).input?.status?.code;
      await new Promise((wait) => setTimeout(wait, 500));
      expect(await statusOf()).toBe(StatusCode.INPUT_DOWNLOAD_PENDING);
      await waitFor(statusOf, (code) => code === StatusCode.INPUT_DOWNLOAD_SUCCESS, 5000);
    } finally {
      api.close();
    }
    s.child.kill("SIGTERM");
    expect(await s.exit).toBe(0);
  });

  it("refuses bad flags with the usage exit code", async () => {
    const probability = await run(["--port", "0", "--data", dataDir, "--fault-throttle", "1.5"]);
    expect(probability.code).toBe(2);
    expect(probability.stderr).toMatch(/probability/);
    const port = await run(["--port", "70000", "--data", dataDir]);
    expect(port.code).toBe(2);
  });

  it("says so and exits non-zero when the port is taken", async () => {
    const holder = createServer();
    await new Promise<void>((ready) => holder.listen(0, "127.0.0.1", ready));
    const address = holder.address();
    const taken = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const result = await run(["--port", String(taken), "--data", dataDir]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(`clarifai-upload serve: cannot listen on 127.0.0.1:${taken}`);
      // grpc-js's own log line is not the user's business.
      expect(result.stderr).not.toContain("No address added");
    } finally {
      await new Promise((closed) => holder.close(closed));
    }
  });
});
