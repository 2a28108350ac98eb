/**
 * One worker process of the fleet simulator (fleet-simulator.ts forks a few).
 * Each simulated sensor is a real sensor-link: its own state directory and
 * reference DirectoryCore under the worker's folder, enrolled with the real
 * `enroll()` and linked with the real LinkClient (sensor-link/src, imported,
 * not re-implemented). The worker only decides when things happen:
 *   - sensors start at the connect rate it was given (enrol, then link);
 *   - churn: every second, each linked sensor drops its link with the given
 *     per-minute probability and links again 1–5 s later (a new LinkClient, as
 *     after a sensor-link restart);
 *   - silent deaths: that many sensors link through their own TCP relay, which
 *     stops forwarding (without closing) a few seconds after they linked, like
 *     a pulled cable; the console must notice on its own.
 *
 * IPC from the parent: { kind: 'start', ...WorkerAssignment } then
 * { kind: 'stop' }. To the parent: { kind: 'status', counts } every second and
 * { kind: 'stopped' } once every link is closed and the folders are removed.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LinkClient, type LinkClientState } from '../../sensor-link/src/connection/link-client.js';
import { DirectoryCore } from '../../sensor-link/src/core/directory-core.js';
import { createKeyAndCsr, type KeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import { enroll } from '../../sensor-link/src/enroll/enroll.js';
import type { LinkLog } from '../../sensor-link/src/link-log.js';
import { LinkStateStore } from '../../sensor-link/src/state/link-state.js';
import { freezableRelay } from '../helpers/link-peers.js';

export const workerAssignmentSchema = z.strictObject({
  /** Sensor names this worker runs. */
  names: z.array(z.string()).min(1),
  /** Ids of the sensors (indexes into names) that die silently. */
  silentDeaths: z.array(z.number().int().min(0)),
  connectionString: z.string(),
  root: z.string(),
  /** Sensors started per second by this worker. */
  connectRate: z.number().positive(),
  /** Probability per linked sensor per minute of dropping its link (0–1). */
  churnPerMinute: z.number().min(0).max(1),
  sharedKey: z.boolean(),
  backoff: z.strictObject({ baseMs: z.number().int().positive(), capMs: z.number().int().positive() }),
});
export type WorkerAssignment = z.infer<typeof workerAssignmentSchema>;

export type SimulatedState = 'enrolling' | LinkClientState | 'enrol-failed';
export type StatusCounts = Partial<Record<SimulatedState, number>>;

const messageSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('start'), assignment: workerAssignmentSchema }),
  z.strictObject({ kind: z.literal('stop') }),
]);

interface SimulatedSensor {
  name: string;
  store: LinkStateStore;
  core: DirectoryCore;
  client: LinkClient | null;
  state: SimulatedState;
  relay: Awaited<ReturnType<typeof freezableRelay>> | null;
  rejoinTimer: NodeJS.Timeout | null;
}

const sensors: SimulatedSensor[] = [];
const timers: NodeJS.Timeout[] = [];
let stopping = false;
let rootDir: string | null = null;
/** Sensor-link's own log lines are dropped: the status line says what matters; errors are kept per sensor in `failures`. */
const quiet: LinkLog = { info: () => undefined, warn: () => undefined, error: () => undefined };
const failures = new Map<string, string>();

function send(message: unknown): void {
  process.send?.(message);
}

function counts(): StatusCounts {
  const result: StatusCounts = {};
  for (const sensor of sensors) result[sensor.state] = (result[sensor.state] ?? 0) + 1;
  return result;
}

async function prepare(name: string, root: string): Promise<SimulatedSensor> {
  const sensorRoot = path.join(root, name);
  const coreRoot = path.join(sensorRoot, 'core');
  await mkdir(coreRoot, { recursive: true });
  await writeFile(path.join(coreRoot, 'core.json'), JSON.stringify({ name, version: '24.1.3' }));
  return { name, store: new LinkStateStore(path.join(sensorRoot, 'state')), core: new DirectoryCore(coreRoot), client: null, state: 'enrolling', relay: null, rejoinTimer: null };
}

async function link(sensor: SimulatedSensor, assignment: WorkerAssignment): Promise<void> {
  if (stopping) return;
  const client = new LinkClient({ store: sensor.store, core: sensor.core, log: quiet, backoff: assignment.backoff });
  sensor.client = client;
  client.onStatus((status) => {
    if (sensor.client !== client) return;
    sensor.state = status.state;
    if (status.state === 'failed') failures.set(sensor.name, status.message);
  });
  await client.start();
}

async function run(sensor: SimulatedSensor, assignment: WorkerAssignment, silent: boolean, keyFactory: (() => Promise<KeyAndCsr>) | undefined): Promise<void> {
  try {
    await enroll({ connectionString: assignment.connectionString, name: sensor.name, store: sensor.store, core: sensor.core, ...(keyFactory ? { keyFactory } : {}) });
  } catch (error) {
    sensor.state = 'enrol-failed';
    failures.set(sensor.name, (error as Error).message);
    return;
  }
  if (silent) {
    // Route this sensor through a relay of its own, which later goes quiet without closing.
    const state = await sensor.store.load();
    const target = state?.consoleAddresses[0]?.split(':').at(-1);
    if (!state || !target) throw new Error(`${sensor.name} has no console address after enrolling`);
    sensor.relay = await freezableRelay(Number(target));
    await sensor.store.save({ ...state, consoleAddresses: [`127.0.0.1:${sensor.relay.port}`] });
    const relay = sensor.relay;
    const off = setInterval(() => {
      if (sensor.state !== 'connected') return;
      clearInterval(off);
      timers.push(setTimeout(() => relay.freeze(), 2000 + Math.random() * 8000));
    }, 500);
    timers.push(off);
  }
  await link(sensor, assignment);
}

function churn(assignment: WorkerAssignment): void {
  // Per second, so a per-minute probability p becomes 1 − (1 − p)^(1/60).
  const perSecond = 1 - (1 - assignment.churnPerMinute) ** (1 / 60);
  const timer = setInterval(() => {
    for (const sensor of sensors) {
      if (stopping || sensor.relay || sensor.state !== 'connected' || Math.random() >= perSecond) continue;
      sensor.client?.stop();
      sensor.client = null;
      sensor.state = 'waiting';
      sensor.rejoinTimer = setTimeout(() => void link(sensor, assignment), 1000 + Math.random() * 4000);
    }
  }, 1000);
  timers.push(timer);
}

async function start(assignment: WorkerAssignment): Promise<void> {
  // A shared key is a shortcut for large fleets (RSA key generation takes ~0.1 s of CPU each); each sensor still gets its own certificate.
  rootDir = assignment.root;
  const shared = assignment.sharedKey ? await createKeyAndCsr({ commonName: 'fleet-simulator' }) : null;
  const keyFactory = shared ? async () => shared : undefined;
  for (const name of assignment.names) sensors.push(await prepare(name, assignment.root));
  timers.push(setInterval(() => send({ kind: 'status', counts: counts(), failures: [...failures].slice(0, 3) }), 1000));
  if (assignment.churnPerMinute > 0) churn(assignment);
  const silent = new Set(assignment.silentDeaths);
  const gapMs = 1000 / assignment.connectRate;
  const startedAt = performance.now();
  const running: Array<Promise<void>> = [];
  for (const [index, sensor] of sensors.entries()) {
    if (stopping) break;
    const due = startedAt + index * gapMs - performance.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    running.push(run(sensor, assignment, silent.has(index), keyFactory));
  }
  await Promise.all(running);
}

async function stop(): Promise<void> {
  stopping = true;
  for (const timer of timers) clearInterval(timer);
  for (const sensor of sensors) {
    if (sensor.rejoinTimer) clearTimeout(sensor.rejoinTimer);
    sensor.client?.stop();
    await sensor.relay?.close();
  }
  send({ kind: 'status', counts: counts(), failures: [] });
  if (rootDir) await rm(rootDir, { recursive: true, force: true });
  send({ kind: 'stopped' });
  process.disconnect?.();
}

// Ctrl-C reaches the whole process group: the parent coordinates the stop (it sends 'stop'), so a worker
// must not die on the signal with its links open and its folders left behind.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => undefined);
process.on('disconnect', () => {
  if (!stopping) void stop().finally(() => process.exit(1));
});
process.on('message', (raw) => {
  const message = messageSchema.safeParse(raw);
  if (!message.success) return send({ kind: 'error', message: `unknown message: ${message.error.message}` });
  if (message.data.kind === 'stop') return void stop();
  start(message.data.assignment).catch((error: unknown) => send({ kind: 'error', message: String(error) }));
});
