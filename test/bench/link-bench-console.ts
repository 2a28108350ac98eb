/**
 * The console side of link-bench.ts, in its own process so its memory is
 * measured alone: `link-bench-console.ts <data dir> <link port> <https port> <first|again>`.
 * A restart is a new process on the same data directory and ports. Answers on
 * its IPC channel:
 *   { kind: 'memory' }                  → { rssBytes, heapUsedBytes } after a full GC
 *   { kind: 'presence', sensorId }      → { state, reason } from the sensor record
 *   { kind: 'stop', removeData }        → stops the console (and removes its data), exits
 * and sends { kind: 'ready', linkPort, connectionString? } once started.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('presence'), sensorId: z.string() }),
  z.strictObject({ kind: z.literal('stop'), removeData: z.boolean() }),
]);

function send(message: unknown): void {
  process.send?.(message);
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
}

const [dataDir = '', linkPort = '', httpsPort = '', round = 'first'] = process.argv.slice(2);
const env = { GARRISON_LINK_PORT: linkPort, GARRISON_HTTPS_PORT: httpsPort, GARRISON_LOG_LEVEL: 'warn' };
const startedAt = Date.now();
const testConsole: TestConsole = await startTestConsole({ dataDir, env });
const startMs = Date.now() - startedAt;
// Only the first start signs in (it changes the first admin's one-time password).
const connectionString = round === 'first' ? (await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers)).connectionString : null;
send({ kind: 'ready', linkPort: testConsole.linkPort, connectionString, startMs });

// The bench died or was killed: never outlive it (the embedded database would linger).
process.on('disconnect', () => {
  void testConsole.stop().finally(() => process.exit(1));
});

process.on('message', (raw) => {
  const request = requestSchema.safeParse(raw);
  if (!request.success) return send({ kind: 'error', message: 'unknown request' });
  void (async () => {
    switch (request.data.kind) {
      case 'memory': {
        collectGarbage();
        const memory = process.memoryUsage();
        return send({ kind: 'memory', rssBytes: memory.rss, heapUsedBytes: memory.heapUsed });
      }
      case 'presence': {
        const record = await testConsole.garrison.database().db.collection('sensors').findOne({ _id: request.data.sensorId as never });
        return send({ kind: 'presence', state: record?.state ?? null, reason: record?.stateReason ?? null });
      }
      case 'stop': {
        await testConsole.stop();
        if (request.data.removeData) {
          await rm(dataDir, { recursive: true, force: true });
          await rm(path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), { force: true });
        }
        process.exit(0);
      }
    }
  })().catch((error: unknown) => send({ kind: 'error', message: String(error) }));
});
