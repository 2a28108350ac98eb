/**
 * The bare baseline for churn-soak-bench.ts --against baseline: the link
 * bench's baseline server (link-baseline-server.ts: socket.io over the
 * console's mutual TLS, a `link:welcome` and nothing else) measured the way
 * soak-console.ts measures the console, so the soak can tell whether memory
 * that grows under churn grows in Node, OpenSSL and the allocator or in
 * Garrison.
 *
 *   soak-baseline-server.ts <console data dir> <link port> <health interval ms> <sensors>
 *
 * The data directory needs only the console's pki/ folder and its master key
 * beside it. <sensors> is how many sensors the fleet runs (enrolled with the
 * console), so the ones that never came to the baseline count as left behind.
 * Sends { kind: 'ready', linkPort } once listening, then answers on IPC with
 * the same kinds and fields as soak-console.ts:
 *   { kind: 'memory' }               → rss, heapUsed (and its code space), external, arrayBuffers (bytes, after a full GC),
 *                                      databaseRssBytes 0 (there is none), links, linkedOnce, churn counters,
 *                                      warnings (always none: the baseline logs nothing) and the event-loop delay since the last ask
 *   { kind: 'links' }                → links and linkedOnce alone (no GC)
 *   { kind: 'heap-snapshot', file }  → writes a V8 heap snapshot (after a full GC) to file
 *   { kind: 'left-behind', waitMs }  → the sensors not connected now, and which are still not back after waitMs
 *   { kind: 'stop' }                 → closes every link and exits (the bench removes the data)
 *
 * Health reports are acknowledged (without storing anything), as the console
 * does, so a LinkClient's traffic is the same against both.
 *
 * To count links per sensor (not per socket) and tell a return from a first
 * link, as the console's presence does, each socket's sensor id is read from
 * its client certificate: one small certificate read per link the link
 * bench's baseline does not do, and one map entry per sensor, complete once
 * every sensor has come, so nothing the measuring keeps grows over the soak.
 */
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { sensorIdFromCertificate } from '../../server/src/modules/pki/sensor-certificate.js';
import { send } from './bench-process.js';
import { listenBaselineLink } from './link-baseline-server.js';
import { serveSoakRequests } from './soak-server-requests.js';

const argumentsSchema = z.tuple([z.string().min(1), z.coerce.number().int().min(1).max(65_535), z.coerce.number().int().positive(), z.coerce.number().int().min(1)]);

const [dataDir, linkPort, healthIntervalMs, fleetSize] = argumentsSchema.parse(process.argv.slice(2));
const baseline = await listenBaselineLink({ dataDir, linkPort, healthIntervalMs, answerHealth: true });

/** Per sensor that has linked here: its open sockets (two for a moment while a link is replaced) and since when it is away. */
const sensors = new Map<string, { sockets: number; awaySince: Date | null }>();
let connected = 0;
const churn = { dropped: 0, reconnected: 0 };
/** While a left-behind check runs: the sensors that linked again during it. */
let back: Set<string> | null = null;

baseline.links.on('connection', (socket) => {
  const certificate = (socket.request.socket as TLSSocket).getPeerX509Certificate();
  const sensorId = certificate ? sensorIdFromCertificate(certificate) : null;
  if (sensorId === null) return;
  const returning = sensors.has(sensorId);
  const sensor = sensors.get(sensorId) ?? { sockets: 0, awaySince: null };
  sensors.set(sensorId, sensor);
  sensor.sockets += 1;
  if (sensor.sockets === 1) {
    sensor.awaySince = null;
    connected += 1;
    // Like the console's presence: a first link here is no return.
    if (returning) churn.reconnected += 1;
  }
  back?.add(sensorId);
  socket.on('disconnect', () => {
    const known = sensors.get(sensorId);
    if (!known) return;
    known.sockets -= 1;
    if (known.sockets > 0) return;
    known.awaySince = new Date();
    connected -= 1;
    churn.dropped += 1;
  });
});

send({ kind: 'ready', linkPort });

process.on('disconnect', () => process.exit(1));
// Ctrl-C reaches the whole process group: the bench coordinates the stop.
process.on('SIGINT', () => undefined);

async function links(): Promise<{ links: number; linkedOnce: number }> {
  return { links: connected, linkedOnce: sensors.size };
}

/**
 * Sensors away now (linked here before and not connected, or never linked here); waits until each has come
 * back (linked again, whatever it did after) or waitMs passes. One never seen has no id here: it is counted, not named.
 */
async function leftBehind(waitMs: number): Promise<{ awayAtEnd: number; stillAway: number; examples: unknown[] }> {
  back = new Set<string>();
  const returned = back;
  try {
    const away = [...sensors].filter(([, sensor]) => sensor.sockets === 0).map(([sensorId]) => sensorId);
    const neverSeen = () => Math.max(0, fleetSize - sensors.size);
    const awayAtEnd = away.length + neverSeen();
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && (neverSeen() > 0 || away.some((sensorId) => !returned.has(sensorId)))) await new Promise((resolve) => setTimeout(resolve, 500));
    const still = away.filter((sensorId) => !returned.has(sensorId));
    return {
      awayAtEnd,
      stillAway: still.length + neverSeen(),
      examples: [
        ...still.slice(0, 10).map((sensorId) => ({ name: sensorId, state: 'away', since: sensors.get(sensorId)?.awaySince ?? null })),
        ...(neverSeen() > 0 ? [{ name: `${neverSeen()} sensor(s) never linked to the baseline`, state: 'never-linked', since: null }] : []),
      ],
    };
  } finally {
    back = null;
  }
}

serveSoakRequests({
  links,
  counters: async () => ({ dropped: churn.dropped, reconnected: churn.reconnected, databaseRssBytes: 0, warnings: [] }),
  leftBehind,
  stop: async () => baseline.close(),
});
