export interface InterruptHandle {
  /** Aborted by the first Ctrl-C (or SIGTERM): stop discovering and sending new batches. */
  readonly signal: AbortSignal;
  /** Aborted by the second: calls in flight are cancelled and waits end. */
  readonly cancel: AbortSignal;
  /** Stops the run as a first Ctrl-C does (the run itself cannot go on: its log cannot be written). */
  stop(): void;
  remove(): void;
}

/**
 * Ctrl-C twice, like rclone: the first stops discovery and new batches and lets those
 * in flight finish; the second (0.3 s or more later) cancels the calls in flight. Either way the run ends on
 * its own path, so the job log is synced, the terminal restored and the resume hint
 * printed before it exits 130. After the second, the handlers are removed: a third
 * Ctrl-C ends the process the default way.
 */
export function onInterrupt(onFirst: () => void, onSecond: () => void = () => undefined): InterruptHandle {
  const stop = new AbortController();
  const cancel = new AbortController();
  let firstAt = 0;
  const first = (): void => {
    if (stop.signal.aborted) return;
    firstAt = performance.now();
    stop.abort();
    onFirst();
  };
  const handler = (): void => {
    if (!stop.signal.aborted) return first();
    // The same signal again at once is one stop, not two: `timeout` sends its signal to
    // the command and then to the command's process group, which holds the command too.
    if (performance.now() - firstAt < SAME_SIGNAL_MS) return;
    cancel.abort();
    remove();
    onSecond();
  };
  const remove = (): void => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
    firstStops.delete(first);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  firstStops.add(first);
  return { signal: stop.signal, cancel: cancel.signal, stop: first, remove };
}

/** A second signal this soon after the first is taken as the first sent twice. */
const SAME_SIGNAL_MS = 300;

/** The first stop of every run going on. */
const firstStops = new Set<() => void>();

/**
 * Stops the runs going on as a first Ctrl-C does (the reader of their output went away);
 * false when none is going on.
 */
export function stopRuns(): boolean {
  for (const first of firstStops) first();
  return firstStops.size > 0;
}
