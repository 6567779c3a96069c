/** Errors that map to one exit code each; anything else is a bug (exit 1 with its stack). */
export type ErrorCode = "usage" | "auth" | "unreachable" | "interrupted" | "failed";

export class UploadError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UploadError";
  }
}

/** A bad flag, argument or configuration value: exit 2. */
export class UsageError extends UploadError {
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

/** A system error's code (ENOENT, EACCES, ...), or the message of any other error. */
export function codeOf(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/** Why a file could not be read, in words: "no such file", or "cannot read it (EACCES)". */
export function readProblem(error: unknown): string {
  const code = codeOf(error);
  return code === "ENOENT" ? "no such file" : `cannot read it (${code})`;
}
