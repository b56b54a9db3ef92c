/**
 * What the memory benchmarks (collector-memory, pod-churn-memory) share: number formatting, the
 * heap after a full GC, and the growth figure that says whether memory is bounded.
 */
export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const gc = (globalThis as { gc?: () => void }).gc;

/** Says so when heap figures will include garbage (run without --expose-gc). */
export function noteGc(): void {
  if (!gc) console.log('   (no --expose-gc: heap figures include garbage; run through `npm run bench`)');
}

/** Heap in use (MiB), after a full GC when available. */
export function heapMiB(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/**
 * The highest heap in the second half of a run over the highest in the first half: about 1 when
 * memory is bounded, about 2 when it grows with what the run fed in.
 */
export function growth(heaps: readonly number[]): number {
  const half = Math.floor(heaps.length / 2);
  return Math.max(...heaps.slice(half)) / Math.max(...heaps.slice(0, half));
}
