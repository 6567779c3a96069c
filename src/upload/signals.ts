export interface InterruptHandle {
  /** Aborted by the first Ctrl-C (or SIGTERM). */
  readonly signal: AbortSignal;
  remove(): void;
}

/**
 * Ctrl-C twice, like rclone: the first stops discovery and new batches and lets those
 * in flight finish (the run then exits 130 with a resume hint); the second exits at once.
 * The job log is synced after every acknowledged batch, so it is consistent either way.
 */
export function onInterrupt(onFirst: () => void, exitNow: () => void = () => process.exit(130)): InterruptHandle {
  const stop = new AbortController();
  const handler = (): void => {
    if (stop.signal.aborted) return exitNow();
    stop.abort();
    onFirst();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return {
    signal: stop.signal,
    remove(): void {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
