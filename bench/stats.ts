export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Round r's order: the list rotated by r, so no contender always runs first or last. */
export function rotate<T>(items: readonly T[], r: number): T[] {
  const k = r % Math.max(items.length, 1);
  return [...items.slice(k), ...items.slice(0, k)];
}
