/**
 * The console side of link-bench.ts, in its own process so its memory is
 * measured alone: `link-bench-console.ts <data dir> <link port> <https port> <first|again>`.
 * A restart is a new process on the same data directory and ports. Answers on
 * its IPC channel:
 *   { kind: 'memory' }                  → { rssBytes, heapUsedBytes } after a full GC
 *   { kind: 'database-time' }           → { top } the database commands that took longest since the last ask
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
import { answerRequests, memoryAnswer, send } from './bench-process.js';
import { monitorDatabaseTime } from './database-time.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory') }),
  z.strictObject({ kind: z.literal('database-time') }),
  z.strictObject({ kind: z.literal('presence'), sensorId: z.string() }),
  z.strictObject({ kind: z.literal('stop'), removeData: z.boolean() }),
]);

const [dataDir = '', linkPort = '', httpsPort = '', round = 'first'] = process.argv.slice(2);
// The test console reads only the variables it is given: pass on the bench's GARRISON_* tuning (rate limits, handshake cap).
const tuning = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('GARRISON_') && entry[1] !== undefined));
const env = { GARRISON_LOG_LEVEL: 'warn', ...tuning, GARRISON_LINK_PORT: linkPort, GARRISON_HTTPS_PORT: httpsPort };
const databaseTime = monitorDatabaseTime();

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

answerRequests(requestSchema, async (request) => {
  switch (request.kind) {
    case 'memory':
      return send(memoryAnswer());
    case 'database-time':
      return send({ kind: 'database-time', top: databaseTime.take() });
    case 'presence': {
      const record = await testConsole.garrison.database().db.collection('sensors').findOne({ _id: request.sensorId as never });
      return send({ kind: 'presence', state: record?.state ?? null, reason: record?.stateReason ?? null });
    }
    case 'stop': {
      await testConsole.stop();
      // What took long in the stop (modules log a slow stop as a warning; the link module says at info how it went).
      for (const line of testConsole.logs.filter((entry) => /slow to stop|sensor link stopped/.test(entry))) process.stderr.write(`  console: ${line.trim().slice(0, 300)}\n`);
      if (request.removeData) {
        await rm(dataDir, { recursive: true, force: true });
        await rm(path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), { force: true });
      }
      process.exit(0);
    }
  }
});
