/** Small pieces every benchmark child process uses: IPC requests and replies, a comparable clock, a full GC. */
import type { z } from 'zod';

/** Sends a reply to the parent bench over IPC (a no-op when run on its own). */
export function send(message: unknown): void {
  process.send?.(message);
}

/**
 * Answers the parent's requests: each is checked against `schema` (one that does not match gets
 * { kind: 'error' }), and a handler that fails sends its error rather than leaving the parent waiting.
 */
export function answerRequests<T>(schema: z.ZodType<T>, handle: (request: T) => Promise<unknown>): void {
  process.on('message', (raw) => {
    const request = schema.safeParse(raw);
    if (!request.success) return send({ kind: 'error', message: 'unknown request' });
    handle(request.data).catch((error: unknown) => send({ kind: 'error', message: String(error) }));
  });
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
