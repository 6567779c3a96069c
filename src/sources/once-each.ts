import { ClaimedIds } from "../plan/claimed-ids.js";

/**
 * A list's items with each one once, by `keyOf` (a path made absolute, a URL): an item
 * listed again is one input, and `onRepeat` hears of the repeat. The job's log keeps one
 * state per source, so a second input from one source would be sent but never accounted
 * for. The keys seen are kept as the run's ids are, in memory that does not grow with the list.
 */
export async function* onceEach<T>(items: AsyncIterable<T>, keyOf: (item: T) => string, onRepeat: (key: string) => void): AsyncGenerator<T> {
  const seen = new ClaimedIds();
  try {
    for await (const item of items) {
      const key = keyOf(item);
      if (seen.has(key)) {
        onRepeat(key);
        continue;
      }
      seen.add(key);
      yield item;
    }
  } finally {
    seen.close();
  }
}
