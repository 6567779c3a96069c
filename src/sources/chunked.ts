const EXPIRED = Symbol("expired");

/**
 * Groups an async iterable into arrays of up to `size` items. A group is handed on early
 * when the source takes longer than `waitMs` past the group's first item, so a slow source
 * (a list typed at a terminal, a pipe) is not held back waiting for a full group.
 */
export async function* chunked<T>(source: AsyncIterable<T>, size: number, waitMs: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | undefined;
  let group: T[] = [];
  let deadline: Promise<typeof EXPIRED> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const handOn = (): T[] => {
    const full = group;
    group = [];
    deadline = undefined;
    clearTimeout(timer);
    return full;
  };
  try {
    for (;;) {
      pending ??= iterator.next();
      const step = deadline ? await Promise.race([pending, deadline]) : await pending;
      if (step === EXPIRED) {
        yield handOn();
        continue;
      }
      pending = undefined;
      if (step.done) break;
      group.push(step.value);
      if (group.length >= size) yield handOn();
      else if (!deadline) deadline = new Promise((resolve) => (timer = setTimeout(() => resolve(EXPIRED), waitMs)));
    }
    if (group.length > 0) yield handOn();
  } finally {
    clearTimeout(timer);
    // With a next item still being waited for, return() would queue behind it: a slow
    // source would hold the run until its next line. Ask it to end without waiting.
    if (pending) void Promise.resolve(iterator.return?.()).catch(() => undefined);
    else await iterator.return?.();
  }
}
