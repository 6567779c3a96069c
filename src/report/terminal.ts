const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";
/** Autowrap on: a program before us (or a crashed one) may have turned it off. */
const WRAP_ON = "\x1b[?7h";
const CLEAR_TO_END = "\x1b[J";

/**
 * The one writer of a terminal's screen while a run shows progress. Messages are printed
 * whole above the status lines (the terminal wraps them; nothing is cut), the status
 * lines are redrawn in place a few times a second, each cut to the width so that it
 * takes exactly one row, and the cursor is shown again on every way out: stop(), an
 * error, process.exit (the second Ctrl-C) and an uncaught exception.
 */
export class TerminalWriter {
  private status: string[] = [];
  /** Where the status lines come from, asked only when a frame is drawn (not on every change). */
  private source: (() => readonly string[]) | undefined;
  private stale = false;
  /** Rows of status lines now on the screen. */
  private drawn = 0;
  private dirty = false;
  private active = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onExit = (): void => this.release();

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly framesPerSecond = 5,
  ) {}

  start(): void {
    if (this.active) return;
    this.active = true;
    activeWriters.add(this);
    process.on("exit", this.onExit);
    this.stream.write(HIDE_CURSOR + WRAP_ON);
    this.timer = setInterval(() => this.render(), 1000 / this.framesPerSecond);
    this.timer.unref();
  }

  /** A message above the status lines; never lost, never cut. */
  print(text: string): void {
    if (!this.active) {
      this.stream.write(`${text}\n`);
      return;
    }
    this.stream.write(`${this.erase()}${text}\n${this.draw()}`);
  }

  /** Status lines taken from `source` whenever they were marked stale and a frame is drawn. */
  follow(source: () => readonly string[]): void {
    this.source = source;
    this.stale = true;
  }

  /** What `follow`'s source says changed: it is asked again before the next frame. */
  invalidate(): void {
    this.stale = true;
  }

  private refresh(): void {
    if (!this.stale || !this.source) return;
    this.stale = false;
    this.setStatus(this.source());
  }

  /** The lines below the messages (progress bars); drawn on the next frame. */
  private setStatus(lines: readonly string[]): void {
    if (lines.length === this.status.length && lines.every((line, index) => line === this.status[index])) return;
    this.status = [...lines];
    this.dirty = true;
  }

  /** Draws the status lines now if they changed. */
  render(): void {
    this.refresh();
    if (!this.active || !this.dirty) return;
    this.stream.write(this.erase() + this.draw());
  }

  /** Draws the status lines a last time, leaves them on the screen and gives the terminal back. */
  stop(): void {
    if (!this.active) return;
    this.dirty = true;
    this.render();
    this.release();
  }

  /** Gives the terminal back as it was found: cursor shown, after the last status line. */
  release(): void {
    if (!this.active) return;
    this.active = false;
    activeWriters.delete(this);
    if (this.timer) clearInterval(this.timer);
    process.off("exit", this.onExit);
    // Synchronous on a terminal, so this holds on process.exit too.
    this.stream.write(`${this.drawn > 0 ? "\n" : ""}${SHOW_CURSOR}`);
    this.drawn = 0;
  }

  private erase(): string {
    if (this.drawn === 0) return "";
    const up = this.drawn > 1 ? `\x1b[${this.drawn - 1}A` : "";
    this.drawn = 0;
    return `\r${up}${CLEAR_TO_END}`;
  }

  /** The status lines, the cursor left at the end of the last one. */
  private draw(): string {
    this.refresh();
    this.dirty = false;
    if (this.status.length === 0) return "";
    const width = Math.max(10, (this.stream.columns || 80) - 1);
    this.drawn = this.status.length;
    return this.status.map((line) => fitWidth(line, width)).join("\n");
  }
}

const activeWriters = new Set<TerminalWriter>();

/** Gives the terminal back before anything else writes to it (an error message, a stack trace). */
export function releaseTerminal(): void {
  for (const writer of [...activeWriters]) writer.release();
}

/** A status line cut to `width` characters (status lines are plain text, one row each). */
export function fitWidth(line: string, width: number): string {
  return line.length <= width ? line : `${line.slice(0, Math.max(0, width - 1))}…`;
}
