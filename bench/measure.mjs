// Runs a command and measures it: wall time, peak RSS of its whole process tree (sampled
// from /proc every 50 ms, and never below the main process's own high-water mark), and,
// where /usr/bin/time exists, the CPU time it used. The CPU time of the main process's
// main thread and of its other threads (V8's compiler and GC helpers, the thread pool)
// is read at each sample too: the last sample's, up to 50 ms short of the whole.
import { spawn } from "node:child_process";
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TIME = "/usr/bin/time";
const STDOUT_TAIL = 1 << 20;

function statusKiB(pid, field) {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  const children = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const list = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim();
      if (list) children.push(...list.split(" ").map(Number));
    }
  } catch {}
  return children;
}

/** The RSS of `pid`'s descendants (not `pid` itself, which is /usr/bin/time when it wraps). */
function treeKiB(pid, self) {
  let total = self ? statusKiB(pid, "VmRSS") : 0;
  for (const child of childrenOf(pid)) total += treeKiB(child, true);
  return total;
}

/** Seconds of CPU time (user + system) of `pid`'s main thread and of its other threads. */
function threadCpu(pid) {
  const ticks = { main: 0, others: 0 };
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      // Fields after the command name, which ends with ") ": utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8").split(") ")[1].split(" ");
      ticks[Number(task) === pid ? "main" : "others"] += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return undefined; // gone between two reads: the previous sample stands
  }
  // Linux reports clock ticks of 1/100 s.
  return { main: ticks.main / 100, others: ticks.others / 100 };
}

/** The last `STDOUT_TAIL` bytes of a file. */
function tailOf(fd) {
  const size = fstatSync(fd).size;
  const length = Math.min(size, STDOUT_TAIL);
  const buffer = Buffer.alloc(length);
  readSync(fd, buffer, 0, length, size - length);
  return buffer.toString("utf8");
}

export async function measure(command, commandArgs, env = {}) {
  const timed = existsSync(TIME);
  const scratch = mkdtempSync(join(tmpdir(), "cu-bench-run-"));
  const cpuFile = timed ? join(scratch, "cpu") : undefined;
  // Standard output goes to a file, as `--json > out.jsonl` would: a pipe read by this
  // process, which shares the client's core, would back up and swell the client's memory.
  const stdoutFd = openSync(join(scratch, "stdout"), "w+");
  const argv = timed ? [TIME, "-f", "%U %S", "-o", cpuFile, command, ...commandArgs] : [command, ...commandArgs];
  const started = performance.now();
  const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", stdoutFd, "pipe"], env: { ...process.env, ...env } });
  let stderr = "";
  child.stderr.on("data", (c) => (stderr += c));
  let peakKiB = 0;
  let threads;
  const sample = () => {
    const main = timed ? childrenOf(child.pid)[0] : child.pid;
    if (main === undefined) return;
    peakKiB = Math.max(peakKiB, treeKiB(main, true), statusKiB(main, "VmHWM"));
    threads = threadCpu(main) ?? threads;
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise((r) => child.on("exit", (c) => r(c)));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  let cpuSeconds;
  if (cpuFile) {
    const [user, system] = readFileSync(cpuFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpuSeconds = user + system;
  }
  // Only the tail is read: a run over a million files writes a line per input with --json,
  // and the benchmark reads only the summary at the end.
  const stdout = tailOf(stdoutFd);
  closeSync(stdoutFd);
  rmSync(scratch, { recursive: true, force: true });
  return { code, seconds, cpuSeconds, threadCpuSeconds: threads, peakMiB: peakKiB / 1024, stdout, stderr };
}
