import { fstatSync } from "node:fs";
import type { Readable } from "node:stream";
import { UsageError } from "../errors.js";

/**
 * True when a source reading "-" would wait for a person to type. Checked as the command is
 * read, before any job is opened: standard input that is a folder (`files - < DIR`) reads
 * as nothing, as if the list were empty, and is refused.
 */
export function checkedStdinIsTerminal(): boolean {
  if (isFolder(0)) throw new UsageError("standard input is a folder: pipe or redirect a list into it, or name the folder with the folder command");
  return Boolean(process.stdin.isTTY);
}

/**
 * Standard input for a source. At a terminal it first says what it waits for (a person
 * who ran `urls` with no file would otherwise look at a silent screen), and Ctrl-C ends
 * the input there and then, so that the first Ctrl-C stops the run as it does elsewhere.
 */
export function stdinFor(what: string): Readable {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(`reading ${what} from the terminal, one per line; end with Ctrl-D (Ctrl-C stops)\n`);
    const stop = (): void => {
      stdin.push(null);
    };
    process.once("SIGINT", stop);
    stdin.once("end", () => process.off("SIGINT", stop));
  }
  return stdin;
}

function isFolder(fd: number): boolean {
  try {
    return fstatSync(fd).isDirectory();
  } catch {
    return false;
  }
}
