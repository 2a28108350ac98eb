/**
 * Notifications throughput: events raised → stored → one outbox delivery each
 * (persisted before sending) → sent as RFC 5424 over TCP to a real rsyslog.
 *
 *   node --import tsx test/bench/notifications-bench.ts [sustainedPerSecond=2500] [seconds=10] [burst=5000]
 *
 * Sustained: events raised at a fixed rate for N seconds; reports the rate the
 * console stored them at and the rate it delivered them at (first raise → last
 * delivery recorded). Burst: N events raised at once; time until all are
 * delivered. Delivery latency percentiles come from the outbox records
 * (created → delivered). Prints a table and writes JSON under test/bench/results/.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_OUTBOX_TIMING } from '../../server/src/modules/notifications/outbox/outbox-worker.js';
import { waitFor } from '../helpers/free-ports.js';
import { startRsyslog } from '../helpers/rsyslog.js';
import { makeTlsMaterial, startHarness, type Harness } from '../integration/notifications-harness.js';

interface PhaseResult {
  phase: string;
  events: number;
  delivered: number;
  raiseSeconds: number;
  storedPerSecond: number;
  deliveredSeconds: number;
  deliveredPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  receivedBySyslog: number;
}

const sustainedRate = Number(process.argv[2] ?? 2500);
const sustainedSeconds = Number(process.argv[3] ?? 10);
const burstSize = Number(process.argv[4] ?? 5000);
const MAX_WAIT_MS = Number(process.env.BENCH_MAX_WAIT_MS ?? 600_000);

function percentile(sorted: number[], fraction: number): number {
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0);
}

async function measure(harness: Harness, phase: string, expectedLines: () => Promise<number>, raiseAll: () => Promise<string[]>): Promise<PhaseResult> {
  const deliveries = harness.database.db.collection<{ eventId: string; status: string; createdAt: Date; finishedAt: Date | null }>('notificationDeliveryLog');
  const started = performance.now();
  const ids = await raiseAll();
  const raised = performance.now();
  // Waits up to MAX_WAIT_MS; a slower run is reported with what it delivered by then.
  let deliveredCount = 0;
  await waitFor(async () => {
    deliveredCount = await deliveries.countDocuments({ status: 'delivered', eventId: { $in: ids } });
    return deliveredCount === ids.length || performance.now() - raised > MAX_WAIT_MS;
  }, MAX_WAIT_MS + 60_000);
  const delivered = performance.now();
  const records = await deliveries.find({ eventId: { $in: ids } }, { projection: { createdAt: 1, finishedAt: 1 } }).toArray();
  const latencies = records.map((record) => (record.finishedAt?.getTime() ?? 0) - record.createdAt.getTime()).sort((a, b) => a - b);
  const seconds = (delivered - started) / 1000;
  return {
    phase,
    events: ids.length,
    delivered: deliveredCount,
    raiseSeconds: Number(((raised - started) / 1000).toFixed(2)),
    storedPerSecond: Math.round(ids.length / ((raised - started) / 1000)),
    deliveredSeconds: Number(seconds.toFixed(2)),
    deliveredPerSecond: Math.round(deliveredCount / seconds),
    latencyP50Ms: percentile(latencies, 0.5),
    latencyP99Ms: percentile(latencies, 0.99),
    receivedBySyslog: await expectedLines(),
  };
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
    const lines = async () => (await rsyslog.lines()).length;

    const sustained = await measure(harness, `sustained ${sustainedRate}/s × ${sustainedSeconds}s`, lines, async () => {
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
    const afterSustained = sustained.receivedBySyslog;
    const burst = await measure(harness, `burst of ${burstSize}`, async () => (await lines()) - afterSustained, () =>
      Promise.all(Array.from({ length: burstSize }, (_, index) => raise(1_000_000 + index))),
    );
    const results = [sustained, burst];
    console.table(results);
    const resultsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `notifications-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: os.cpus().length, database: 'embedded FerretDB v1 (SQLite)', targetPerSecond: 2000, results }, null, 2)}\n`);
    console.log(`results written to ${path.relative(process.cwd(), file)}`);
  } finally {
    await harness.destroy();
    await rsyslog.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

await main();
