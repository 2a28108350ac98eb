/**
 * The console side of churn-soak-bench.ts, in its own process so its memory is
 * measured alone: `soak-console.ts <data dir>` (run with --expose-gc). Sends
 * { kind: 'ready', connectionString } once started, then answers on IPC:
 *   { kind: 'memory' }                    → rss, heapUsed (and its code space), external, arrayBuffers (bytes, after a full GC),
 *                                           the embedded database's RSS, links (sensors shown connected),
 *                                           linkedOnce (sensors that have linked at least once), churn
 *                                           counters, the console's log lines (warn and above) and the
 *                                           event-loop delay since the last ask
 *   { kind: 'links' }                     → links and linkedOnce alone (no GC), to follow the linking
 *   { kind: 'heap-snapshot', file }       → writes a V8 heap snapshot (after a full GC) to file
 *   { kind: 'left-behind', waitMs }       → the sensors not shown connected now, and which of them are
 *                                           still not back after waitMs
 *   { kind: 'stop', removeData? }         → stops the console, removes its data (unless removeData is false), exits
 * The event-loop delay excludes the pauses this process causes itself (GC on request, snapshots).
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { startTestConsole } from '../helpers/test-console.js';
import { standingConnectionString } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';
import { send } from './bench-process.js';
import { serveSoakRequests } from './soak-server-requests.js';

/** Resident memory of this process's children (the embedded FerretDB), from /proc. */
async function databaseRssBytes(): Promise<number> {
  let total = 0;
  for (const task of await readdir(`/proc/${process.pid}/task`)) {
    const children = await readFile(`/proc/${process.pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const pid of children.trim().split(/\s+/).filter(Boolean)) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
      total += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    }
  }
  return total;
}

const [dataDir = ''] = process.argv.slice(2);
// The test console reads only the variables it is given: pass on the bench's GARRISON_* tuning (health interval, rate limits).
const tuning = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[0].startsWith('GARRISON_') && entry[1] !== undefined));
const testConsole = await startTestConsole({ dataDir, env: { GARRISON_LOG_LEVEL: 'warn', ...tuning } });
const sensors = testConsole.garrison.database().db.collection<{ _id: string; name: string; state: string; stateSince: Date }>('sensors');
const connectionString = (await standingConnectionString(testConsole, (await signInAsAdmin(testConsole)).headers)).connectionString;

// Counters only (no per-sensor state), so measuring adds nothing that grows with the fleet.
const churn = { dropped: 0, reconnected: 0 };
testConsole.garrison.events.on('sensor.presence-changed', (change) => {
  if (change.previous === 'connected' && change.current !== 'connected') churn.dropped += 1;
  if (change.current === 'connected' && change.previous !== 'never-connected') churn.reconnected += 1;
});
send({ kind: 'ready', linkPort: testConsole.linkPort, connectionString });

async function stopAndRemoveData(removeData = true): Promise<void> {
  await testConsole.stop();
  if (!removeData) return;
  await rm(dataDir, { recursive: true, force: true });
  await rm(path.join(dataDir, '..', `${path.basename(dataDir)}.master.key`), { force: true });
}

// The bench died or was killed: never outlive it (the embedded database would linger).
process.on('disconnect', () => {
  void stopAndRemoveData().finally(() => process.exit(1));
});
// Ctrl-C reaches the whole process group: the bench coordinates the stop.
process.on('SIGINT', () => undefined);

/**
 * The test console keeps every log line (warn and above here) in memory: hand them to the bench and empty the
 * list, so the harness itself cannot grow over a soak.
 */
function takeLogLines(): string[] {
  return testConsole.logs.splice(0, testConsole.logs.length);
}

async function links(): Promise<{ links: number; linkedOnce: number }> {
  return {
    links: await sensors.countDocuments({ state: 'connected' }),
    linkedOnce: await sensors.countDocuments({ state: { $nin: ['never-connected', 'revoked'] } }),
  };
}

/** Sensors not shown connected now; waits until each has come back (a presence change to connected) or waitMs passes. */
async function leftBehind(waitMs: number): Promise<{ awayAtEnd: number; stillAway: number; examples: unknown[] }> {
  const back = new Set<string>();
  const off = testConsole.garrison.events.on('sensor.presence-changed', (change) => {
    if (change.current === 'connected') back.add(change.sensorId);
  });
  try {
    const away = await sensors.find({ state: { $nin: ['connected', 'revoked'] } }, { projection: { name: 1, state: 1, stateSince: 1 } }).toArray();
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && away.some((sensor) => !back.has(sensor._id))) await new Promise((resolve) => setTimeout(resolve, 500));
    const missing = away.filter((sensor) => !back.has(sensor._id)).map((sensor) => sensor._id);
    // A change published between the query and the subscription is in the database: ask it once more.
    const still = await sensors.find({ _id: { $in: missing }, state: { $ne: 'connected' } }, { projection: { name: 1, state: 1, stateSince: 1 } }).toArray();
    return {
      awayAtEnd: away.length,
      stillAway: still.length,
      examples: still.slice(0, 10).map((sensor) => ({ name: sensor.name, state: sensor.state, since: sensor.stateSince })),
    };
  } finally {
    off();
  }
}

serveSoakRequests({
  links,
  counters: async () => ({ dropped: churn.dropped, reconnected: churn.reconnected, databaseRssBytes: await databaseRssBytes(), warnings: takeLogLines() }),
  leftBehind,
  stop: stopAndRemoveData,
});
