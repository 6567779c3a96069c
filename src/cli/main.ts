import { Command, CommanderError } from "commander";
import { UploadError } from "../errors.js";
import { ApiError } from "../api/client.js";
import { EXIT, EXIT_CODES_HELP, exitCodeForError } from "../report/exit-codes.js";
import { addGlobalOptions } from "./global-options.js";
import { jobCommands } from "./job-commands.js";
import { serveCommand } from "./serve.js";
import { uploadCommands, type CommandRunner } from "./upload-commands.js";

export const VERSION = "0.1.0";

/** The one place where an outcome becomes an exit code and an error a message. */
function makeRunner(setExitCode: (code: number) => void): CommandRunner {
  return async (run) => {
    try {
      setExitCode(await run());
    } catch (error) {
      if (error instanceof UploadError) {
        process.stderr.write(`clarifai-upload: ${error.message}\n`);
        setExitCode(exitCodeForError(error.code));
      } else if (error instanceof ApiError) {
        process.stderr.write(`clarifai-upload: ${error.message}\n`);
        setExitCode(error.verdict === "auth" ? EXIT.auth : error.verdict === "retry" ? EXIT.unreachable : EXIT.someFailed);
      } else {
        throw error;
      }
    }
  };
}

export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = addGlobalOptions(new Command("clarifai-upload"))
    .description("Bulk uploader for the Clarifai platform: folders, file lists and URL lists, validated, batched, sent concurrently over gRPC, resumable.")
    .version(VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .addHelpText("after", `\n${EXIT_CODES_HELP}\n`)
    .exitOverride();
  const runner = makeRunner(setExitCode);
  for (const command of [...uploadCommands(runner), ...jobCommands(runner), serveCommand()]) {
    program.addCommand(command);
  }
  for (const command of program.commands) {
    command.exitOverride();
    command.addHelpText("after", `\n${EXIT_CODES_HELP}\n`);
  }
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
}
