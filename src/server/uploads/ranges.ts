/** A byte range [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** The ranges merged into sorted, disjoint ones (touching ranges join). */
export function mergeRanges(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = ranges.filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else merged.push({ start: r.start, end: r.end });
  }
  return merged;
}

/** The parts of [0, length) no range covers. */
export function missingRanges(ranges: readonly ByteRange[], length: number): ByteRange[] {
  const missing: ByteRange[] = [];
  let at = 0;
  for (const r of mergeRanges(ranges)) {
    if (r.start > at) missing.push({ start: at, end: Math.min(r.start, length) });
    at = Math.max(at, r.end);
    if (at >= length) break;
  }
  if (at < length) missing.push({ start: at, end: length });
  return missing.filter((r) => r.end > r.start);
}

/** How many bytes of [0, length) the ranges cover. */
export function coveredBytes(ranges: readonly ByteRange[], length: number): number {
  return length - missingRanges(ranges, length).reduce((n, r) => n + (r.end - r.start), 0);
}

/** The overlap of two ranges, or null. */
export function overlap(a: ByteRange, b: ByteRange): ByteRange | null {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return end > start ? { start, end } : null;
}

/** "1-3,5,7-8" for sorted distinct numbers. */
export function compactList(numbers: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < numbers.length) {
    const first = numbers[i] ?? 0;
    let last = first;
    while (i + 1 < numbers.length && numbers[i + 1] === last + 1) last = numbers[++i] ?? last;
    out.push(first === last ? String(first) : `${first}-${last}`);
    i++;
  }
  return out.join(",");
}
