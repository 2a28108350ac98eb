/**
 * The IPC side of a churn-soak server, shared by soak-console.ts (the console)
 * and soak-baseline-server.ts (the bare socket.io baseline), so the soak
 * measures both the same way. Requests:
 *   { kind: 'memory' }               → rss, heapUsed (and its code space), external, arrayBuffers (bytes, after a
 *                                      full GC), the server's counters, and the event-loop delay since the last
 *                                      ask (read before this request's own GC pause)
 *   { kind: 'links' }                → links and linkedOnce alone (no GC)
 *   { kind: 'heap-snapshot', file }  → writes a V8 heap snapshot (after a full GC) to file
 *   { kind: 'left-behind', waitMs }  → the server's answer: who is away, and who is still away after waitMs
 *   { kind: 'stop', removeData? }    → the server stops (keeping its data when removeData is false), then this process exits
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { z } from 'zod';
import { answerRequests, collectGarbage, send } from './bench-process.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('links') }),
  z.strictObject({ kind: z.literal('heap-snapshot'), file: z.string().min(1) }),
  z.strictObject({ kind: z.literal('left-behind'), waitMs: z.number().int().min(0) }),
  z.strictObject({ kind: z.literal('stop'), removeData: z.boolean().optional() }),
]);

export interface SoakLinks {
  /** Sensors connected now. */
  links: number;
  /** Sensors that have linked at least once. */
  linkedOnce: number;
}

export interface SoakServer {
  links(): Promise<SoakLinks>;
  /** What a memory sample carries besides this process's memory. */
  counters(): Promise<{ dropped: number; reconnected: number; databaseRssBytes: number; warnings: string[] }>;
  leftBehind(waitMs: number): Promise<{ awayAtEnd: number; stillAway: number; examples: unknown[] }>;
  /** `removeData` false: leave the data directory for the next server (the soak's baseline uses the console's). */
  stop(removeData: boolean): Promise<void>;
}

const LOOP_RESOLUTION_MS = 10;

/** Answers the soak's requests for `server` on this process's IPC channel. */
export function serveSoakRequests(server: SoakServer): void {
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loopDelay.enable();
  /** Lets the loop-delay timer catch up after a pause this process caused itself, then forgets it. */
  const forgetOwnPause = async () => {
    await new Promise((resolve) => setTimeout(resolve, LOOP_RESOLUTION_MS * 3));
    loopDelay.reset();
  };

  const memory = async () => {
    // Read the loop delay before this request's own GC pause.
    const eventLoopMaxMs = loopDelay.max / 1e6;
    const eventLoopP99Ms = loopDelay.percentile(99) / 1e6;
    const counters = await server.counters();
    const links = await server.links();
    collectGarbage();
    const usage = process.memoryUsage();
    await forgetOwnPause();
    return {
      kind: 'memory',
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
      externalBytes: usage.external,
      arrayBuffersBytes: usage.arrayBuffers,
      // Compiled code (the JIT's output) grows for minutes after start-up and is no per-link state: shown apart.
      codeSpaceBytes: getHeapSpaceStatistics().find((space) => space.space_name === 'code_space')?.space_used_size ?? 0,
      ...counters,
      ...links,
      eventLoopMaxMs,
      eventLoopP99Ms,
    };
  };

  answerRequests(requestSchema, async (request) => {
    switch (request.kind) {
      case 'memory':
        return send(await memory());
      case 'links':
        return send({ kind: 'links', ...(await server.links()) });
      case 'heap-snapshot': {
        collectGarbage();
        const file = writeHeapSnapshot(request.file);
        await forgetOwnPause();
        return send({ kind: 'heap-snapshot', file });
      }
      case 'left-behind':
        return send({ kind: 'left-behind', ...(await server.leftBehind(request.waitMs)) });
      case 'stop':
        await server.stop(request.removeData ?? true);
        process.exit(0);
    }
  });
}
