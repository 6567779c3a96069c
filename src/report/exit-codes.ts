import type { ErrorCode } from "../errors.js";
import type { CountedRun } from "./summary.js";

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
  0    every input uploaded, already present or kept
  1    some inputs rejected, failed or in conflict (each is listed, and in --failed-out)
  2    usage error (bad flag, argument or configuration)
  3    authentication or permission failure
  4    the API could not be reached (refused, unknown host, TLS mismatch or
       untrusted certificate: at once; otherwise after retries)
  130  interrupted (the job log is consistent; the resume command is printed)`;

/** `status`'s: it reports what the server holds, where pending is not a failure. */
export const STATUS_EXIT_CODES_HELP = `Exit codes:
  0    every input processed, or still pending (pending is not a failure)
  1    some inputs failed processing, are missing, never got in, or have
       regions not stored yet; or the job's last run was killed or stopped
       early (with --retry: after what could be sent again was sent)
  2    usage error (bad flag, argument or configuration; no such job)
  3    authentication or permission failure
  4    the API could not be reached
  130  interrupted`;

/** One exit code for a whole run: the worst thing that happened wins. */
export function exitCodeFor(result: CountedRun): number {
  if (result.outcome !== "done") return exitCodeForError(result.outcome);
  const { rejected, failed, conflicts, annotationsFailed } = result.totals;
  return rejected + failed + conflicts + annotationsFailed > 0 ? EXIT.someFailed : EXIT.ok;
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
