import { logVerbosity, setLogVerbosity } from "@grpc/grpc-js";
import { Command, CommanderError } from "commander";
import { UploadError } from "../errors.js";
import { RetriesExhausted } from "../api/caller.js";
import { answerDetail, ApiError } from "../api/client.js";
import { EXIT, exitCodeForError } from "../report/exit-codes.js";
import { printable } from "../report/format.js";
import { releaseTerminal } from "../report/terminal.js";
import { stopRuns } from "../upload/signals.js";
import { completionCommand } from "./completion.js";
import { addGlobalOptions, addOutputOptions } from "./global-options.js";
import { addHelpTexts } from "./help-text.js";
import { cloudCommands } from "./cloud-commands.js";
import { jobCommands } from "./job-commands.js";
import { serveCommand } from "./serve.js";
import { uploadCommands, type CommandRunner } from "./upload-commands.js";

export const VERSION = "0.1.3";

/** System errors about a path that the user can set right (a permission, a missing or wrong folder): exit 2. */
const SETUP_CODES = new Set(["EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EISDIR", "ELOOP", "ENAMETOOLONG", "EEXIST"]);

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string" && typeof (error as NodeJS.ErrnoException).syscall === "string";
}

const SYSTEM_PROBLEMS: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "not permitted",
  EROFS: "read-only file system",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or folder",
  ENOTDIR: "a part of the path is not a folder",
  EISDIR: "is a folder",
  ELOOP: "too many symbolic links (a loop?)",
  ENAMETOOLONG: "name too long",
  EEXIST: "already exists",
  EIO: "input/output error",
};

/** `PATH: cannot open it (permission denied, EACCES)`. */
function systemProblem(error: NodeJS.ErrnoException & { code: string }): string {
  const what = SYSTEM_PROBLEMS[error.code] ?? error.code;
  const action = error.syscall === "open" || error.syscall === "scandir" || error.syscall === "opendir" ? "open" : error.syscall;
  return `${error.path ?? "a file of the tool's"}: cannot ${action} it (${what}, ${error.code})`;
}

/** The one place where an outcome becomes an exit code and an error a message. */
function makeRunner(setExitCode: (code: number) => void): CommandRunner {
  return async (run) => {
    try {
      setExitCode(await run());
    } catch (error) {
      releaseTerminal();
      // Messages name files and rows as they are: a control character in one is shown, not obeyed.
      const say = (message: string): boolean => process.stderr.write(`clarifai-upload: ${printable(message)}\n`);
      if (error instanceof UploadError) {
        say(error.message);
        setExitCode(exitCodeForError(error.code));
      } else if (error instanceof ApiError) {
        say(error.message);
        setExitCode(error.verdict === "auth" ? EXIT.auth : error.verdict === "retry" ? EXIT.unreachable : EXIT.someFailed);
      } else if (error instanceof RetriesExhausted) {
        // A call the command needs (a lookup, a dataset, a job's state) kept failing transiently.
        say(error.message);
        setExitCode(EXIT.unreachable);
      } else if (isSystemError(error)) {
        // A file or folder of the tool's own (the job log, its lock, the state or data folder)
        // the system refused: said in one line, as any other mistake.
        say(systemProblem(error));
        setExitCode(SETUP_CODES.has(error.code) ? EXIT.usage : EXIT.someFailed);
      } else {
        throw error;
      }
    }
  };
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = addGlobalOptions(new Command("clarifai-upload"))
    .description(
      "Bulk uploader for the Clarifai platform: folders, file lists, URL lists, ZIP archives and CSV/TSV manifests, validated against the platform's limits, batched and sent concurrently over gRPC, resumable; cloud buckets pulled by the platform; and a local Clarifai-compatible server.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  const runner = makeRunner(setExitCode);
  // Global options work before the command name (the program's) and after it (each
  // command's own copy). `serve` has none of them: its --pat is the keys it accepts.
  // `log` reads job logs only: it takes the output options, not where to connect.
  program.enablePositionalOptions();
  for (const command of [...uploadCommands(runner), ...cloudCommands(runner), ...jobCommands(runner)]) {
    const leaves = command.commands.length > 0 ? command.commands : [command];
    for (const leaf of leaves) (command.name() === "log" ? addOutputOptions : addGlobalOptions)(leaf);
    program.addCommand(command);
  }
  program.addCommand(serveCommand());
  program.addCommand(completionCommand(() => program));
  program.addCommand(
    new Command("version").description("print the version").action(() => {
      process.stdout.write(`${VERSION}\n`);
    }),
  );
  addHelpTexts(program);
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

let exitCodeSoFar = 0;
let stdoutGone = false;

/**
 * Standard output can take no more: its reader went away (`| head`) or its disk is full.
 * An upload going on stops as on a first Ctrl-C (batches in flight finish, the job log
 * is consistent, exit 130); any other command ends at once, a reader that went away
 * being no error of its own.
 */
function stdoutFailed(error: NodeJS.ErrnoException): void {
  if (stdoutGone) return;
  stdoutGone = true;
  const gone = error.code === "EPIPE";
  const why = gone ? "the reader of standard output went away" : `cannot write to standard output (${error.code ?? error.message})`;
  if (stopRuns()) {
    process.stderr.write(`clarifai-upload: ${why}: stopping as on Ctrl-C; the same command goes on from there\n`);
    return;
  }
  if (!gone) process.stderr.write(`clarifai-upload: ${why}\n`);
  process.exit(gone ? exitCodeSoFar : EXIT.someFailed);
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  process.stdout.on("error", stdoutFailed);
  // Lines for a person: if nobody can read them any more (the reader went away, a full
  // disk), the work goes on without them.
  process.stderr.on("error", () => undefined);
  // A crash's stack trace goes below the progress bars, with the cursor shown again.
  process.on("uncaughtExceptionMonitor", releaseTerminal);
  setVerbosity(argv);
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
    exitCodeSoFar = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // Commander's own errors (unknown option, missing argument) are usage errors; an
    // action's error (serve could not listen) carries its own exit code.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : error.code.startsWith("commander.") ? EXIT.usage : error.exitCode;
    throw error;
  }
}

/**
 * What --verbose shows besides the reporter's lines: request ids in messages about
 * answers, and Node's warnings and grpc-js's log lines, which are for the tool's authors,
 * not its users (grpc-js names an IP address as the TLS server name, DEP0123 on every run
 * against https://127.0.0.1, and nothing the user can do changes that).
 */
function setVerbosity(argv: readonly string[]): void {
  const verbose = argv.includes("-v") || argv.includes("--verbose");
  answerDetail.requestIds = verbose;
  // grpc-js logs some failures itself ("E No address added out of total 1 resolved" for a
  // busy port), which the commands already report in their own words.
  if (!verbose) setLogVerbosity(logVerbosity.NONE);
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (verbose) process.stderr.write(`clarifai-upload: (node) ${warning.name}: ${warning.message}\n`);
  });
}
