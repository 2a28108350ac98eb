/**
 * The bare baseline of settings-push-bench.ts, in its own process: the link
 * bench's baseline server (link-baseline-server.ts: socket.io over the
 * console's mutual TLS, no database, no application logic) on a free port. It
 * welcomes each link with the console's health interval and acknowledges the
 * health reports, as the console does, so the sensors do the same work against
 * both; on request it emits one `settings:apply` with acknowledgement to every
 * connected sensor.
 *   settings-push-baseline.ts <console data dir> <health interval ms>
 * Sends { kind: 'ready', port }, then answers:
 *   { kind: 'connected' }                        → { kind: 'connected', count }
 *   { kind: 'push', revision, settings, timeoutMs }
 *       → { kind: 'pushed', startedAt, ackedAt: epoch ms[], failed, cpuMicros }
 *   { kind: 'memory' }                           → { kind: 'memory', rssBytes, heapUsedBytes } after a full GC
 *   { kind: 'stop' }                             → exits
 */
import type { AddressInfo } from 'node:net';
import type { Socket } from 'socket.io';
import { z } from 'zod';
import { answerRequests, epochMs, memoryAnswer, send } from './bench-process.js';
import { listenBaselineLink } from './link-baseline-server.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('connected') }),
  z.strictObject({ kind: z.literal('push'), revision: z.number(), settings: z.unknown(), timeoutMs: z.number() }),
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('stop') }),
]);

const [dataDir, healthIntervalMs] = z.tuple([z.string().min(1), z.coerce.number().int().positive()]).parse(process.argv.slice(2));
// The console's heartbeat, answered as the console answers it: the sensors do the same work against both.
const baseline = await listenBaselineLink({ dataDir, linkPort: 0, healthIntervalMs, answerHealth: true });
const sockets = new Set<Socket>();
baseline.links.on('connection', (socket) => {
  sockets.add(socket);
  socket.on('disconnect', () => sockets.delete(socket));
});
send({ kind: 'ready', port: (baseline.server.address() as AddressInfo).port });
process.on('disconnect', () => process.exit(1));

async function push(revision: number, settings: unknown, timeoutMs: number) {
  const cpuBefore = process.cpuUsage();
  const startedAt = epochMs();
  const ackedAt: number[] = [];
  let failed = 0;
  await Promise.all(
    [...sockets].map(async (socket) => {
      try {
        const answer = (await socket.timeout(timeoutMs).emitWithAck('settings:apply', { revision, settings })) as { data?: { revision?: number } };
        if (answer.data?.revision === revision) ackedAt.push(epochMs());
        else failed += 1;
      } catch {
        failed += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return { kind: 'pushed', startedAt, ackedAt, failed, cpuMicros: cpu.user + cpu.system };
}

answerRequests(requestSchema, async (request) => {
  switch (request.kind) {
    case 'connected':
      return send({ kind: 'connected', count: sockets.size });
    case 'push':
      return send(await push(request.revision, request.settings, request.timeoutMs));
    case 'memory':
      return send(memoryAnswer());
    case 'stop':
      baseline.close();
      process.exit(0);
  }
});
