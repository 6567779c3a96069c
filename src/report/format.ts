const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${Math.round(seconds % 60)}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/** True when colour may be used on this stream: NO_COLOR honoured when it is set and not empty, as no-color.org says. */
export function colorAllowed(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
}

/** A problem line always names its file: the message does, or the file is put in front. */
export function namesFile(message: string | undefined, source: string): string {
  if (message === undefined || message === "") return source;
  return message.includes(source) ? message : `${source}: ${message}`;
}

/** Control characters, C0 and C1, other than the colour codes the tool writes itself (`ESC[...m`). */
const CONTROL = /\x1b\[[0-9;]*m|[\x00-\x1f\x7f-\x9f]/g;

/**
 * A line for a person at a terminal: a control character in a file name or a message
 * (an escape that clears the screen, a newline that splits the line) is shown as `\xHH`.
 */
export function printable(line: string): string {
  return line.replace(CONTROL, (found) => (found.length > 1 ? found : `\\x${found.charCodeAt(0).toString(16).padStart(2, "0")}`));
}
