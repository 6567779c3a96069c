/**
 * Maps an async iterable with up to `limit` calls of `fn` at once, yielding results as
 * they complete (not in input order). Pulls from `source` only as results are consumed,
 * so memory stays bounded by `limit`.
 */
export async function* mapConcurrent<T, R>(source: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  // Finished results wait here in completion order; `wake` resumes the consumer when one arrives.
  const done: Array<{ ok: true; value: R } | { ok: false; error: unknown }> = [];
  let wake: (() => void) | undefined;
  let running = 0;
  let exhausted = false;
  const settle = (result: (typeof done)[number]): void => {
    running--;
    done.push(result);
    wake?.();
  };
  // Results not yet consumed count against the limit too: fast tasks must not let the
  // source run ahead of the consumer.
  const fill = async (): Promise<void> => {
    while (!exhausted && running + done.length < limit) {
      const step = await iterator.next();
      if (step.done) {
        exhausted = true;
        return;
      }
      running++;
      fn(step.value).then(
        (value) => settle({ ok: true, value }),
        (error: unknown) => settle({ ok: false, error }),
      );
    }
  };
  try {
    await fill();
    while (running > 0 || done.length > 0) {
      if (done.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
      const result = done.shift();
      if (!result) continue;
      if (!result.ok) throw result.error;
      yield result.value;
      await fill();
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}

/** `fn` of every item, at most `limit` at once, the results in the items' order. */
export async function mapInOrder<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
