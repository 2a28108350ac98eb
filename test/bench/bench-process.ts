/** Small pieces every benchmark child process uses: IPC replies, a comparable clock, a full GC. */

/** Sends a reply to the parent bench over IPC (a no-op when run on its own). */
export function send(message: unknown): void {
  process.send?.(message);
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes on one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Two full collections (the second frees what the first's finalizers released); the process must run with --expose-gc. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error(`${process.argv[1] ?? 'this benchmark process'} must run with --expose-gc`);
  gc();
  gc();
}

/** The `memory` answer every benchmark child gives: its RSS and heap after a full collection. */
export function memoryAnswer(): { kind: 'memory'; rssBytes: number; heapUsedBytes: number } {
  collectGarbage();
  const memory = process.memoryUsage();
  return { kind: 'memory', rssBytes: memory.rss, heapUsedBytes: memory.heapUsed };
}
