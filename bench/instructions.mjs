// Instructions per input, counted by valgrind's callgrind: the CLI and the naive uploader
// upload the same small files to the stand-in server. Wall time and CPU time on a shared
// machine move by 10-30% from run to run; an instruction count of the same program on the
// same files moves by about 0.1%, so a change to the per-input path shows here first.
// Instructions are not time (a system call counts as one, a cache miss as nothing), and
// every thread is counted: V8's optimizing compiler, its GC helpers, the thread pool.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when valgrind can run here. */
export function haveValgrind() {
  return spawnSync("valgrind", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Counts the instructions of `args` (a node program and its arguments) under callgrind.
 * Returns the total and the part spent in V8's optimizing compiler (TurboFan), when
 * callgrind_annotate can tell.
 */
function count(args, env = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cu-bench-callgrind-"));
  try {
    const out = join(dir, "callgrind.out");
    const run = spawnSync("valgrind", ["--tool=callgrind", `--callgrind-out-file=${out}`, "--cache-sim=no", "--branch-sim=no", process.execPath, ...args], {
      env: { ...process.env, XDG_STATE_HOME: dir, ...env },
      encoding: "utf8",
      maxBuffer: 64 << 20,
    });
    if (run.status !== 0) throw new Error(`${args.join(" ")} under valgrind exited with ${run.status}: ${run.stderr.slice(-2000)}`);
    const total = Number(/^summary:\s+(\d+)/m.exec(readFileSync(out, "utf8"))?.[1]);
    return { total, turbofan: turbofanShare(out), stdout: run.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instructions in functions of V8's optimizing compiler (its namespace is v8::internal::compiler). */
function turbofanShare(out) {
  try {
    const text = execFileSync("callgrind_annotate", ["--inclusive=no", "--threshold=100", out], { encoding: "utf8", maxBuffer: 256 << 20 });
    let sum = 0;
    for (const line of text.split("\n")) {
      const match = /^\s*([\d,]+) \(.*v8::internal::compiler::/.exec(line);
      if (match) sum += Number(match[1].replaceAll(",", ""));
    }
    return sum;
  } catch {
    return undefined;
  }
}

/**
 * The instructions each client spends per input: a run over `dir` (`count` files) less a
 * run over an empty folder, which pays everything a run pays once (start-up, connecting,
 * the job log, exit) and leaves out the JIT warm-up the inputs bring.
 */
export function instructionsPerInput({ dir, count: files, address, cliArgs, naiveScript, log }) {
  const empty = mkdtempSync(join(tmpdir(), "cu-bench-empty-"));
  try {
    const clients = {
      "clarifai-upload": (folder) => cliArgs(address, folder),
      "naive uploader": (folder) => [naiveScript, folder, address, "4"],
    };
    const results = {};
    for (const [name, argsFor] of Object.entries(clients)) {
      const run = count(argsFor(dir));
      if (name === "clarifai-upload" && !run.stdout.includes(`"uploaded":${files}`)) throw new Error(`the CLI under valgrind did not upload ${files} files`);
      const fixed = count(argsFor(empty));
      const perInput = (run.total - fixed.total) / files;
      results[name] = perInput;
      const compiler = run.turbofan !== undefined ? `; V8's optimizing compiler ${((run.turbofan / run.total) * 100).toFixed(0)}% of the run` : "";
      log(`${name.padEnd(16)} ${(run.total / 1e9).toFixed(2)} G instructions, ${(fixed.total / 1e9).toFixed(2)} G on an empty folder: ${(perInput / 1000).toFixed(0)} K per input${compiler}`);
    }
    log(`instructions per input, CLI / naive uploader: ${(results["clarifai-upload"] / results["naive uploader"]).toFixed(2)}x`);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}
