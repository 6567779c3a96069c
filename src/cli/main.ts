import { Command, CommanderError } from "commander";
import { serveCommand } from "./serve.js";

export function buildProgram(): Command {
  const program = new Command("clarifai-upload")
    .description("Bulk uploader for the Clarifai platform")
    .exitOverride();
  program.addCommand(serveCommand());
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    throw error;
  }
}
