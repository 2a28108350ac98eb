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
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent } from 'mongodb';
import mongoose, { type ConnectOptions } from 'mongoose';
import { z } from 'zod';
import { startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';
import { answerRequests, memoryAnswer, send } from './bench-process.js';

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
// Database time by command and collection, from the driver's command monitoring (mongoose's createConnection is
// wrapped before the console opens its connection). `duration` is the time on the wire for each command, not the
// wait for the one pooled connection, so the totals add up to how busy the embedded database was.
const databaseTime = new Map<string, { count: number; totalMs: number }>();
/** The top-level fields a command filters on, e.g. " {zoneId,state}", so that two reads of one collection tell apart. */
function filterShape(command: Record<string, unknown>): string {
  const updates = command.updates as Array<{ q?: unknown }> | undefined;
  const pipeline = command.pipeline as Array<Record<string, unknown>> | undefined;
  const filter = command.filter ?? command.query ?? updates?.[0]?.q ?? (command.deletes as Array<{ q?: unknown }> | undefined)?.[0]?.q ?? pipeline?.[0]?.$match;
  return filter && typeof filter === 'object' ? ` {${Object.keys(filter).join(',')}}` : '';
}
const createConnection = mongoose.createConnection.bind(mongoose);
mongoose.createConnection = ((uri: string, options: ConnectOptions = {}) => {
  const connection = createConnection(uri, { ...options, monitorCommands: true });
  const client = connection.getClient();
  const keys = new Map<number, string>();
  client.on('commandStarted', (event: CommandStartedEvent) => {
    const command = event.command;
    // getMore names its collection in `collection`; the others under their own name.
    const collection: unknown = event.commandName === 'getMore' ? command.collection : command[event.commandName];
    keys.set(event.requestId, `${event.commandName}${typeof collection === 'string' ? ` ${collection}` : ''}${filterShape(command)}`);
  });
  const record = (event: CommandSucceededEvent | CommandFailedEvent) => {
    const key = keys.get(event.requestId) ?? event.commandName;
    keys.delete(event.requestId);
    const entry = databaseTime.get(key) ?? { count: 0, totalMs: 0 };
    entry.count += 1;
    entry.totalMs += event.duration;
    databaseTime.set(key, entry);
  };
  client.on('commandSucceeded', record);
  client.on('commandFailed', record);
  return connection;
}) as typeof mongoose.createConnection;

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
    case 'database-time': {
      const top = [...databaseTime].sort((a, b) => b[1].totalMs - a[1].totalMs).slice(0, 8);
      databaseTime.clear();
      return send({ kind: 'database-time', top: top.map(([command, entry]) => ({ command, count: entry.count, totalMs: Math.round(entry.totalMs), meanMs: Math.round((entry.totalMs / entry.count) * 10) / 10 })) });
    }
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
