/**
 * A slice of link-bench.ts's simulated sensors, in a process of its own. Each
 * sensor holds its link socket and files open, and a process may hold at most
 * 20,000 file descriptors (the machine's hard limit, which root cannot raise),
 * so 10,000 sensors do not fit in one process: the bench forks several of
 * these (with startBenchChild) and drives them over IPC.
 *
 *   link-bench-sensors.ts <sensor name> [<sensor name> …]
 *
 * The sensors are the real sensor-link enrolment and LinkClient
 * (test/helpers/test-sensors.ts). They share one RSA key, generated here once
 * per process (each sensor still gets its own certificate): a key per sensor
 * takes minutes to generate on a small machine and measures nothing about the
 * link. Answers on its IPC channel:
 *   { kind: 'enrol', connectionString, concurrency } → { kind: 'enrolled' } once every sensor is enrolled
 *   { kind: 'link', baseMs, capMs }                  → { kind: 'linking' } once every LinkClient has started
 *   { kind: 'status' }                               → { kind: 'status', enrolled, states, reasons, stuck? }
 *   { kind: 'wait-connected', timeoutMs }            → { kind: 'all-connected' } once every sensor is connected
 *   { kind: 'arm-restart' }                          → { kind: 'armed' } counting link attempts and drops from now on
 *   { kind: 'wait-back' }                            → { kind: 'back', attempts } once every sensor dropped and came back
 *   { kind: 'stop-links' }                           → { kind: 'links-stopped' }
 *   { kind: 'close-one' }                            → { kind: 'closed-one', sensorId } the first sensor's link closed
 *   { kind: 'stop' }                                 → closes every link, removes the sensors' folders, exits
 * and sends { kind: 'ready', sensors } once the sensors exist. A request whose
 * work fails still gets its answer, with `failure` saying why, so the bench
 * never waits for an answer that will not come.
 */
import { rm } from 'node:fs/promises';
import { z } from 'zod';
import type { LinkClientState } from '../../sensor-link/src/connection/link-client.js';
import { createKeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import { createTestSensor } from '../helpers/test-sensors.js';
import { inBatches } from './bench-child.js';
import { send } from './bench-process.js';

const requestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('enrol'), connectionString: z.string().min(1), concurrency: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('link'), baseMs: z.number().int().min(1), capMs: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('status') }),
  z.strictObject({ kind: z.literal('wait-connected'), timeoutMs: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('arm-restart') }),
  z.strictObject({ kind: z.literal('wait-back') }),
  z.strictObject({ kind: z.literal('stop-links') }),
  z.strictObject({ kind: z.literal('close-one') }),
  z.strictObject({ kind: z.literal('stop') }),
]);
type Request = z.infer<typeof requestSchema>;

/** The answer's kind for each request ('stop' has none: the process exits). */
const ANSWER_KIND: Record<Exclude<Request['kind'], 'stop'>, string> = {
  enrol: 'enrolled',
  link: 'linking',
  status: 'status',
  'wait-connected': 'all-connected',
  'arm-restart': 'armed',
  'wait-back': 'back',
  'stop-links': 'links-stopped',
  'close-one': 'closed-one',
};

/** How many of the commonest "not connected" reasons a status answer carries. */
const TOP_REASONS = 3;

const names = process.argv.slice(2);
const sharedKey = await createKeyAndCsr({ commonName: 'bench' });
const keyFactory = async () => sharedKey;
const sensors = await Promise.all(names.map((name) => createTestSensor(name, { keyFactory })));
let enrolled = 0;
/** Restart tracking between 'arm-restart' and the slice being back. */
let restart: RestartTracking | null = null;

function stopLinks(): void {
  for (const sensor of sensors) sensor.client?.stop();
}

async function removeSensors(): Promise<void> {
  stopLinks();
  await Promise.all(sensors.map((sensor) => rm(sensor.root, { recursive: true, force: true })));
}

/** Counts by LinkClient state ('no client' before linking) and the commonest reasons of those not connected, digits replaced by '#' so addresses and delays group together. */
function status() {
  const states: Record<string, number> = {};
  const reasons = new Map<string, number>();
  for (const sensor of sensors) {
    const state: LinkClientState | 'no client' = sensor.client?.current.state ?? 'no client';
    states[state] = (states[state] ?? 0) + 1;
    if (state === 'connected') continue;
    const reason = (sensor.client?.current.message ?? 'no client').replace(/\d+(\.\d+)?/g, '#');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const top = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, TOP_REASONS).map(([reason, count]) => ({ reason: reason.slice(0, 160), count }));
  const stuck = process.env.BENCH_VERBOSE ? sensors.find((sensor) => sensor.client?.current.state !== 'connected') : undefined;
  return { enrolled, states, reasons: top, ...(stuck ? { stuck: { name: stuck.name, log: stuck.log.slice(-6) } } : {}) };
}

interface RestartTracking {
  attempts: number;
  back: Promise<void>;
  stopTracking: () => void;
}

/**
 * From now on counts link attempts (each LinkClient 'connecting') and resolves `back` once every
 * sensor has left 'connected' and come back. Counting stops when this slice is back, which may be
 * a little before the other slices are (a sensor that is back seldom tries again).
 */
function armRestart(): RestartTracking {
  const offs: Array<() => void> = [];
  const tracking: RestartTracking = { attempts: 0, back: Promise.resolve(), stopTracking: () => offs.forEach((off) => off()) };
  const backs = sensors.map(
    (sensor) =>
      new Promise<void>((resolve) => {
        const client = sensor.client;
        if (!client) return resolve();
        let dropped = false;
        offs.push(
          client.onStatus((next) => {
            if (next.state === 'connecting') tracking.attempts += 1;
            if (next.state !== 'connected') dropped = true;
            else if (dropped) resolve();
          }),
        );
      }),
  );
  tracking.back = Promise.all(backs).then(() => undefined);
  return tracking;
}

async function answer(request: Exclude<Request, { kind: 'stop' }>): Promise<Record<string, unknown>> {
  switch (request.kind) {
    case 'enrol':
      await inBatches(sensors, request.concurrency, async (sensor) => {
        await sensor.enroll(request.connectionString);
        enrolled += 1;
      });
      return {};
    case 'link':
      await Promise.all(sensors.map((sensor) => sensor.link({ baseMs: request.baseMs, capMs: request.capMs })));
      return {};
    case 'status':
      return status();
    case 'wait-connected':
      await Promise.all(sensors.map((sensor) => sensor.waitForState('connected', request.timeoutMs)));
      return {};
    case 'arm-restart':
      restart?.stopTracking();
      restart = armRestart();
      return {};
    case 'wait-back': {
      if (!restart) throw new Error('wait-back before arm-restart');
      await restart.back;
      restart.stopTracking();
      return { attempts: restart.attempts };
    }
    case 'stop-links':
      stopLinks();
      return {};
    case 'close-one': {
      // Closed here and answered at once: the bench starts its clock when this answer arrives.
      const first = sensors[0];
      const sensorId = first?.enrollment?.sensorId;
      if (!first?.client || !sensorId) return { sensorId: null };
      first.client.stop();
      return { sensorId };
    }
  }
}

send({ kind: 'ready', sensors: sensors.length });

// The bench died or was killed: never outlive it, nor leave the sensors' folders behind.
process.on('disconnect', () => {
  void removeSensors().finally(() => process.exit(1));
});

process.on('message', (raw) => {
  const request = requestSchema.safeParse(raw);
  if (!request.success) return send({ kind: 'error', message: `unknown request: ${request.error.message}` });
  const data = request.data;
  if (data.kind === 'stop') {
    void removeSensors().finally(() => process.exit(0));
    return;
  }
  const kind = ANSWER_KIND[data.kind];
  answer(data).then(
    (fields) => send({ ...fields, kind }),
    (error: unknown) => send({ kind, failure: error instanceof Error ? error.message : String(error) }),
  );
});
