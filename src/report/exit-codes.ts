import type { ErrorCode } from "../errors.js";
import type { RunResult } from "../upload/pipeline.js";

/** The documented exit codes (README, `--help`). */
export const EXIT = {
  ok: 0,
  someFailed: 1,
  usage: 2,
  auth: 3,
  unreachable: 4,
  interrupted: 130,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0    every input uploaded or already present
  1    some inputs rejected or failed (each is listed, and in --failed-out)
  2    usage error (bad flag, argument or configuration)
  3    authentication or permission failure
  4    the API could not be reached (refused, unknown host, TLS mismatch or
       untrusted certificate: at once; otherwise after retries)
  130  interrupted (the job log is consistent; the resume command is printed)`;

/** One exit code for a whole run: the worst thing that happened wins. */
export function exitCodeFor(result: RunResult): number {
  if (result.outcome !== "done") return exitCodeForError(result.outcome);
  const { rejected, failed, annotationsFailed } = result.totals;
  return rejected + failed + annotationsFailed > 0 ? EXIT.someFailed : EXIT.ok;
}

export function exitCodeForError(code: ErrorCode): number {
  switch (code) {
    case "usage":
      return EXIT.usage;
    case "auth":
      return EXIT.auth;
    case "unreachable":
      return EXIT.unreachable;
    case "interrupted":
      return EXIT.interrupted;
    default:
      return EXIT.someFailed;
  }
}
