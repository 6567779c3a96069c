/**
 * Maps an async iterable with up to `limit` calls of `fn` at once, yielding results as
 * they complete (not in input order). Pulls from `source` only as results are consumed,
 * so memory stays bounded by `limit`.
 */
export async function* mapConcurrent<T, R>(source: AsyncIterable<T>, limit: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const iterator = source[Symbol.asyncIterator]();
  const running = new Map<number, Promise<{ key: number; result: R }>>();
  let nextKey = 0;
  let exhausted = false;
  const fill = async (): Promise<void> => {
    while (!exhausted && running.size < limit) {
      const step = await iterator.next();
      if (step.done) {
        exhausted = true;
        return;
      }
      const key = nextKey++;
      running.set(key, fn(step.value).then((result) => ({ key, result })));
    }
  };
  try {
    await fill();
    while (running.size > 0) {
      const { key, result } = await Promise.race(running.values());
      running.delete(key);
      yield result;
      await fill();
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
