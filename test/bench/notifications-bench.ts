/**
 * Notifications throughput and latency: events raised → stored → one outbox
 * delivery each (persisted before sending) → sent as RFC 5424 over TCP to a
 * real rsyslog.
 *
 *   node --import tsx test/bench/notifications-bench.ts [sustainedPerSecond=2500] [seconds=10] [burst=5000] [disconnectRuns=3]
 *
 * Sustained: events raised at a fixed rate for N seconds; reports the rate the
 * console stored them at and the rate they arrived at rsyslog (first raise →
 * last message received). Burst: N events raised at once; time until rsyslog
 * has them all. Arrival is counted in rsyslog's output file, so measuring takes
 * nothing from the console's database; afterwards every event's delivery record
 * is checked in the delivery log, and latency percentiles come from those
 * records (created → delivered). Disconnect: a whole console with a real
 * sensor-link sensor; the sensor's link is closed and the time until the
 * "disconnected" message is in rsyslog is measured, minus the grace period.
 * Prints tables and writes JSON under test/bench/results/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUTBOX_TIMING } from '../../server/src/modules/notifications/outbox/outbox-worker.js';
import { waitFor } from '../helpers/free-ports.js';
import { request } from '../helpers/https-client.js';
import { startRsyslog, type Rsyslog } from '../helpers/rsyslog.js';
import { startTestConsole } from '../helpers/test-console.js';
import { createTestSensor, standingConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { signInAsAdmin } from '../helpers/test-session.js';
import { makeTlsMaterial, startHarness, type Harness } from '../integration/notifications-harness.js';

interface PhaseResult {
  phase: string;
  events: number;
  /** Events whose delivery record says delivered. */
  delivered: number;
  raiseSeconds: number;
  storedPerSecond: number;
  /** First raise → the last message in rsyslog. */
  deliveredSeconds: number;
  deliveredPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  receivedBySyslog: number;
}

const sustainedRate = Number(process.argv[2] ?? 2500);
const sustainedSeconds = Number(process.argv[3] ?? 10);
const burstSize = Number(process.argv[4] ?? 5000);
const disconnectRuns = Number(process.argv[5] ?? 3);
const MAX_WAIT_MS = Number(process.env.BENCH_MAX_WAIT_MS ?? 600_000);
const GRACE_MS = 2_000;

function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0);
}

async function measure(harness: Harness, rsyslog: Rsyslog, phase: string, raiseAll: () => Promise<string[]>): Promise<PhaseResult> {
  const before = await rsyslog.count();
  const started = performance.now();
  const ids = await raiseAll();
  const raised = performance.now();
  // Waits up to MAX_WAIT_MS; a slower run is reported with what arrived by then.
  let received = 0;
  await waitFor(async () => {
    received = (await rsyslog.count()) - before;
    return received >= ids.length || performance.now() - raised > MAX_WAIT_MS;
  }, MAX_WAIT_MS + 60_000);
  const arrived = performance.now();
  // Every delivery record, read once after the fact through the delivery store (as the API lists them).
  const wanted = new Set(ids);
  const records = await harness.service.deliveries.list({ status: 'delivered', limit: 1_000_000 });
  const latencies: number[] = [];
  for (const record of records) {
    if (wanted.delete(record.eventId)) latencies.push((record.finishedAt?.getTime() ?? 0) - record.createdAt.getTime());
  }
  latencies.sort((a, b) => a - b);
  const seconds = (arrived - started) / 1000;
  return {
    phase,
    events: ids.length,
    delivered: latencies.length,
    raiseSeconds: Number(((raised - started) / 1000).toFixed(2)),
    storedPerSecond: Math.round(ids.length / ((raised - started) / 1000)),
    deliveredSeconds: Number(seconds.toFixed(2)),
    deliveredPerSecond: Math.round(received / seconds),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    receivedBySyslog: received,
  };
}

interface DisconnectResult {
  run: number;
  /** Link closed → message in rsyslog, minus the grace period. */
  afterGraceMs: number;
  totalMs: number;
}

/** A whole console and real sensors: link closed → "disconnected" in rsyslog, grace period excluded. */
async function disconnectLatency(rsyslog: Rsyslog, runs: number): Promise<DisconnectResult[]> {
  const testConsole = await startTestConsole({
    env: { GARRISON_LINK_GRACE_MS: String(GRACE_MS), GARRISON_LINK_PING_INTERVAL_MS: '1000', GARRISON_LINK_PING_TIMEOUT_MS: '2000', GARRISON_LOG_LEVEL: 'warn' },
  });
  const sensors: TestSensor[] = [];
  try {
    const admin = await signInAsAdmin(testConsole);
    const created = await request(`${testConsole.baseUrl}/api/v1/notifications/rules`, {
      method: 'POST',
      headers: admin.headers,
      ca: testConsole.caPem,
      body: {
        name: 'bench disconnects',
        conditions: { eventTypes: ['sensor.disconnected'] },
        actions: [{ type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tcpPort, transport: 'tcp', format: 'rfc5424' } }],
      },
    });
    if (created.status !== 201) throw new Error(`rule not created: ${created.text}`);
    const { connectionString } = await standingConnectionString(testConsole, admin.headers);
    const results: DisconnectResult[] = [];
    for (let run = 1; run <= runs; run += 1) {
      const name = `bench-disconnect-${run}`;
      const sensor = await createTestSensor(name);
      sensors.push(sensor);
      await sensor.enroll(connectionString);
      await sensor.link();
      await sensor.waitForState('connected');
      // Let the console record the link as connected before it dies.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const killed = performance.now();
      sensor.client?.stop();
      await waitFor(async () => (await rsyslog.lines()).some((line) => line.includes(`Sensor "${name}" disconnected`)), 60_000, () => `the disconnected message for ${name}`);
      const totalMs = Math.round(performance.now() - killed);
      results.push({ run, afterGraceMs: totalMs - GRACE_MS, totalMs });
    }
    return results;
  } finally {
    await Promise.all(sensors.map((sensor) => sensor.stop()));
    await testConsole.destroy();
  }
}

async function main(): Promise<void> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'garrison-bench-'));
  const tls = await makeTlsMaterial(directory);
  const rsyslog = await startRsyslog(path.join(directory, 'rsyslog'), { caPem: tls.caPem, certPem: tls.certPem, keyPem: tls.keyPem, authMode: 'anon' });
  // The console's default worker timing (the harness would otherwise use its fast test timing).
  const harness = await startHarness({ timing: DEFAULT_OUTBOX_TIMING });
  try {
    await harness.api('POST', '/rules', {
      name: 'bench SIEM',
      conditions: { eventTypes: ['all'] },
      actions: [{ type: 'syslog', config: { host: '127.0.0.1', port: rsyslog.tcpPort, transport: 'tcp', format: 'rfc5424' } }],
    });
    const sensor = { sensorId: 'bench-sensor', sensorName: 'bench', siteId: 'site-1', zoneId: 'zone-1' };
    const raise = (index: number) => harness.service.raise({ type: 'backup.failed', title: `bench event ${index}`, sensor, fields: { reason: 'timeout' } }).then((event) => event._id);

    const sustained = await measure(harness, rsyslog, `sustained ${sustainedRate}/s × ${sustainedSeconds}s`, async () => {
      const pending: Array<Promise<string>> = [];
      const tickMs = 10;
      const perTick = sustainedRate / (1000 / tickMs);
      const start = performance.now();
      let index = 0;
      while (performance.now() - start < sustainedSeconds * 1000) {
        const due = Math.floor(((performance.now() - start) / tickMs) * perTick);
        while (index < due) pending.push(raise(index++));
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
      return Promise.all(pending);
    });
    const burst = await measure(harness, rsyslog, `burst of ${burstSize}`, () =>
      Promise.all(Array.from({ length: burstSize }, (_, index) => raise(1_000_000 + index))),
    );
    const results = [sustained, burst];
    console.table(results);
    await harness.destroy();
    const disconnects = disconnectRuns > 0 ? await disconnectLatency(rsyslog, disconnectRuns) : [];
    if (disconnects.length > 0) console.table(disconnects);
    const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `notifications-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, database: 'embedded FerretDB v1 (SQLite)', targetPerSecond: 2000, results, disconnect: { graceMs: GRACE_MS, targetAfterGraceMs: 5000, runs: disconnects } }, null, 2)}\n`);
    console.log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await harness.destroy();
    await rsyslog.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
