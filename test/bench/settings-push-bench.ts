/**
 * Zone settings push at fleet scale (issue #4 "Measure and report", issue #10
 * target 3): N real sensor-link sensors in one zone, an NTP change PUT to the
 * zone over REST, and per sensor the time from that API call until the console
 * has stored the sensor's acknowledgement (the apply result is published after
 * it is stored, so it is visible in the drift report).
 *
 *   node --import tsx --expose-gc test/bench/settings-push-bench.ts --sensors 100,1000,5000 [--apply files|memory]
 *
 * The sensors run in this process with the real enrolment, LinkClient and
 * settings-apply code; `--apply files` (default) applies through the
 * reference DirectoryCore, writing real chrony, time zone and JSON files per
 * sensor; `--apply memory` swaps only the core's applySettings for a no-op
 * (validation, the applied-revision state file and the ack stay real) to show
 * what the files cost. The console runs in a child process
 * (settings-push-bench-console.ts): its CPU time (node + embedded FerretDB, from
 * /proc) and memory are its own. Rounds go up in N, linking more sensors each
 * round; every round pushes to all linked sensors.
 *
 * Then the same sensors link to a bare baseline (settings-push-baseline.ts: a
 * socket.io server over the same mutual TLS, no database) which emits one
 * `settings:apply` with ack to all of them; Garrison / baseline compares the
 * time until all acknowledged. Prints a table and writes JSON under
 * test/bench/results/.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { LinkClient } from '../../sensor-link/src/connection/link-client.js';
import type { CaptureCore } from '../../sensor-link/src/core/capture-core.js';
import { SETTINGS_FILES } from '../../sensor-link/src/core/settings-files.js';
import { createKeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import type { LinkLog } from '../../sensor-link/src/link-log.js';
import { request } from '../helpers/https-client.js';
import { makeTempDir } from '../helpers/test-console.js';
import { createTestSensor, type TestSensor } from '../helpers/test-sensors.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sensors: { type: 'string', default: '100,1000' },
    apply: { type: 'string', default: 'files' },
  },
});
const rounds = z
  .array(z.coerce.number().int().min(1).max(20_000))
  .min(1)
  .parse(values.sensors.split(','))
  .sort((a, b) => a - b);
const applyMode = z.enum(['files', 'memory']).parse(values.apply);
const maxSensors = rounds.at(-1) ?? 0;
/** Linking is not what is measured here: a short backoff gets every sensor in quickly. */
const BENCH_BACKOFF = { baseMs: 500, capMs: 5000 };
const ACK_WAIT_MS = 300_000;
const LINK_WAVE = 50;
const SETTLE_MS = 10_000;

type Answer = Record<string, unknown>;

/** A child process answering requests on IPC; `ask` sends one and waits for the answer of the given kind. */
function startChild(file: string, args: string[]) {
  const child: ChildProcess = fork(path.join(here, file), args, {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, GARRISON_ENROLL_ATTEMPTS_PER_MINUTE: '100000' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<string, Array<(message: Answer) => void>>();
  child.on('message', (message: Answer) => {
    const kind = String(message.kind);
    waiting.get(kind)?.shift()?.(message);
    if (kind === 'error') console.error(`${file}:`, message.message);
  });
  const next = (kind: string) => new Promise<Answer>((resolve) => waiting.set(kind, [...(waiting.get(kind) ?? []), resolve]));
  return {
    ready: next('ready'),
    ask(message: Answer, answer: string) {
      const reply = next(answer);
      child.send(message);
      return reply;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ kind: 'stop' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

async function inBatches<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let index = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (index < items.length) await work(items[index++] as T);
    }),
  );
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

function latencySummary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return { acked: sorted.length, p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

/** The sensor's core: the reference DirectoryCore, or the same with applySettings a no-op (`--apply memory`). */
function coreFor(sensor: TestSensor): CaptureCore {
  if (applyMode === 'files') return sensor.core;
  const real = sensor.core;
  return {
    facts: () => real.facts(),
    health: () => real.health(),
    applySettings: async () => {},
    produceBackup: (file) => real.produceBackup(file),
    restoreBackup: (file) => real.restoreBackup(file),
  };
}

const quietLog: LinkLog = { info: () => {}, warn: () => {}, error: () => {} };
const clients = new Map<TestSensor, LinkClient>();

/**
 * Starts real LinkClients for `list` in waves of LINK_WAVE and resolves once
 * all are connected: linking is not measured here, and thousands of TLS
 * handshakes at once on a starved machine time out and retry for many minutes.
 */
async function link(list: TestSensor[]): Promise<void> {
  for (let start = 0; start < list.length; start += LINK_WAVE) await linkWave(list.slice(start, start + LINK_WAVE), start, list.length);
}

async function linkWave(list: TestSensor[], before: number, total: number): Promise<void> {
  const startedAt = performance.now();
  const progress = setInterval(() => {
    const connected = list.filter((sensor) => clients.get(sensor)?.current.state === 'connected').length;
    console.error(`  linking: ${before + connected}/${total}; this wave ${Math.round((performance.now() - startedAt) / 1000)} s`);
    // What the others say, grouped (numbers stripped), to see why linking is slow.
    const reasons = new Map<string, number>();
    for (const sensor of list) {
      const status = clients.get(sensor)?.current;
      if (status?.state === 'connected') continue;
      const reason = (status?.message ?? 'not started').replace(/\d+(\.\d+)?/g, '#').slice(0, 160);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.error(`    ${count} × ${reason}`);
  }, 10_000);
  try {
    await Promise.all(
      list.map(async (sensor) => {
        clients.get(sensor)?.stop();
        const client = new LinkClient({ store: sensor.store, core: coreFor(sensor), log: quietLog, backoff: BENCH_BACKOFF, connectTimeoutMs: 20_000 });
        clients.set(sensor, client);
        const connected = new Promise<void>((resolve) => {
          const off = client.onStatus((status) => {
            if (status.state !== 'connected') return;
            off();
            resolve();
          });
        });
        await client.start();
        await connected;
      }),
    );
  } finally {
    clearInterval(progress);
  }
}

function stopClients(): void {
  for (const client of clients.values()) client.stop();
  clients.clear();
}

const dataDir = await makeTempDir('bench-settings');
let consoleProcess: ReturnType<typeof startChild> | null = startChild('settings-push-bench-console.ts', [dataDir]);
const ready = await consoleProcess.ready;
const consoleApi = (method: string, apiPath: string, body?: unknown) =>
  request<{ revision: number }>(`${String(ready.baseUrl)}/api/v1${apiPath}`, { method, headers: ready.headers as Record<string, string>, ca: String(ready.caPem), ...(body === undefined ? {} : { body }) });

// One RSA key for every simulated sensor (each still gets its own certificate): generating
// thousands of keys takes minutes on a small machine and measures nothing about the push.
const sharedKey = await createKeyAndCsr({ commonName: 'bench' });
const sensors = await Promise.all(Array.from({ length: maxSensors }, (_, index) => createTestSensor(`push-${String(index).padStart(5, '0')}`, { keyFactory: async () => sharedKey })));
const results: Array<Record<string, number | string>> = [];
let baselineProcess: ReturnType<typeof startChild> | null = null;
try {
  let startedAt = performance.now();
  const seeded = await consoleProcess.ask({ kind: 'seed', names: sensors.map((sensor) => sensor.name), csrPem: sharedKey.csrPem }, 'seeded');
  const identities = seeded.sensors as Array<{ sensorId: string; sensorName: string; certificatePem: string }>;
  await inBatches(
    sensors.map((sensor, index) => ({ sensor, identity: identities[index]! })),
    16,
    async ({ sensor, identity }) => {
      await sensor.store.save({
        sensorId: identity.sensorId,
        sensorName: identity.sensorName,
        consoleAddresses: [`127.0.0.1:${String(ready.linkPort)}`],
        enrolledAt: new Date().toISOString(),
        privateKeyPem: sharedKey.privateKeyPem,
        certificatePem: identity.certificatePem,
        caPem: String(ready.caPem),
      });
    },
  );
  console.error(`seeded ${maxSensors} sensors in ${Math.round(performance.now() - startedAt)} ms`);
  const idleMemory = await consoleProcess.ask({ kind: 'memory' }, 'memory');

  // Garrison: each round links more sensors, places all linked ones in the zone and PUTs a new NTP server.
  let linked = 0;
  for (const count of rounds) {
    await link(sensors.slice(linked, count));
    linked = count;
    const memory = await consoleProcess.ask({ kind: 'memory' }, 'memory');
    const ids = identities.slice(0, count).map((identity) => identity.sensorId);
    await consoleProcess.ask({ kind: 'zone', sensorIds: ids }, 'zoned');
    const current = await consoleApi('GET', `/settings/zones/${String(ready.zoneId)}`);
    const address = `ntp-${count}.bench.example`;
    // Let the link storm settle (first health reports, presence writes) so the push is measured alone.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const mark = await consoleProcess.ask({ kind: 'mark' }, 'mark');
    const sensorCpuBefore = process.cpuUsage();
    startedAt = epochMs();
    const saved = await consoleApi('PUT', `/settings/zones/${String(ready.zoneId)}`, { baseRevision: current.body.revision, settings: { ntp: { enabled: true, servers: [{ address }] } } });
    const apiMs = epochMs() - startedAt;
    if (saved.status !== 200) throw new Error(`the zone save failed: ${saved.status} ${saved.text}`);
    const acks = await consoleProcess.ask({ kind: 'acks', revision: saved.body.revision, count, timeoutMs: ACK_WAIT_MS }, 'acks');
    const sensorCpu = process.cpuUsage(sensorCpuBefore);
    const recordedAt = Object.values(acks.recordedAt as Record<string, number>);
    const before = mark.cpu as { consoleMicros: number; databaseMicros: number };
    const after = acks.cpu as { consoleMicros: number; databaseMicros: number };
    // Real files: the last sensor's chrony.conf names the new server.
    const chrony = applyMode === 'files' ? await readFile(path.join(sensors[count - 1]!.core.root, SETTINGS_FILES.chrony), 'utf8').catch(() => '') : '';
    results.push({
      target: 'garrison',
      sensors: count,
      apply: applyMode,
      ...latencySummary(recordedAt.map((at) => at - startedAt)),
      failed: Number(acks.failed),
      apiResponseMs: Math.round(apiMs),
      // The push proper: from the PUT's response (the save is done) until the last ack was stored.
      allAfterResponseMs: Math.round(Math.max(...recordedAt) - startedAt - apiMs),
      consoleCpuPerSensorUs: Math.round((after.consoleMicros - before.consoleMicros) / count),
      databaseCpuPerSensorUs: Math.round((after.databaseMicros - before.databaseMicros) / count),
      sensorsCpuPerSensorUs: Math.round((sensorCpu.user + sensorCpu.system) / count),
      consoleRssMiB: Math.round(Number(memory.rssBytes) / 1048576),
      consoleHeapPerLinkKiB: Math.round((Number(memory.heapUsedBytes) - Number(idleMemory.heapUsedBytes)) / count / 1024),
      ...(applyMode === 'files' ? { chronyUpdated: chrony.includes(address) ? 'yes' : 'NO' } : {}),
    });
    console.error(`garrison ${count}: ${JSON.stringify(results.at(-1))}`);
  }

  // Bare baseline: the same sensors (same LinkClient, same apply code) against a server with no logic.
  stopClients();
  baselineProcess = startChild('settings-push-baseline.ts', [dataDir]);
  const baselinePort = Number((await baselineProcess.ready).port);
  await consoleProcess.stop();
  consoleProcess = null;
  for (const sensor of sensors) {
    const state = await sensor.store.load();
    if (!state) throw new Error(`${sensor.name} has no state`);
    await sensor.store.save({ ...state, consoleAddresses: [`127.0.0.1:${baselinePort}`] });
  }
  linked = 0;
  for (const count of rounds) {
    await link(sensors.slice(linked, count));
    linked = count;
    const address = `ntp-${count}.baseline.example`;
    const settings = { ntp: { enabled: true, servers: [{ address, port: 123 }] }, timeRegion: { timeZone: 'UTC', dateFormat: 'dd/MM/yyyy HH:mm:ss' } };
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const sensorCpuBefore = process.cpuUsage();
    const pushed = await baselineProcess.ask({ kind: 'push', revision: 1_000_000 + count, settings, timeoutMs: ACK_WAIT_MS }, 'pushed');
    const sensorCpu = process.cpuUsage(sensorCpuBefore);
    const began = Number(pushed.startedAt);
    results.push({
      target: 'baseline',
      sensors: count,
      apply: applyMode,
      ...latencySummary((pushed.ackedAt as number[]).map((at) => at - began)),
      failed: Number(pushed.failed),
      consoleCpuPerSensorUs: Math.round(Number(pushed.cpuMicros) / count),
      sensorsCpuPerSensorUs: Math.round((sensorCpu.user + sensorCpu.system) / count),
    });
    console.error(`baseline ${count}: ${JSON.stringify(results.at(-1))}`);
  }
} finally {
  stopClients();
  await baselineProcess?.stop();
  await consoleProcess?.stop();
  await inBatches(sensors, 32, (sensor) => rm(sensor.root, { recursive: true, force: true }));
}

// Garrison / baseline for the time until all acknowledged: 1 means as fast as the bare server, higher is better.
for (const row of results.filter((entry) => entry.target === 'garrison')) {
  const baseline = results.find((entry) => entry.target === 'baseline' && entry.sensors === row.sensors);
  if (baseline) row.vsBaseline = Math.round((Number(baseline.maxMs) / Number(row.maxMs)) * 100) / 100;
}
const columns = ['target', 'sensors', 'apply', 'acked', 'failed', 'p50Ms', 'p99Ms', 'maxMs', 'apiResponseMs', 'allAfterResponseMs', 'consoleCpuPerSensorUs', 'databaseCpuPerSensorUs', 'sensorsCpuPerSensorUs', 'consoleRssMiB', 'vsBaseline'];
const lines = [columns.join('  '), ...results.map((row) => columns.map((column) => String(row[column] ?? '-').padStart(column.length)).join('  '))];
console.log(`\nsettings push bench (max = time until all acknowledged; vsBaseline = baseline max / Garrison max)\n${lines.join('\n')}`);
const resultsDir = path.join(here, 'results');
await mkdir(resultsDir, { recursive: true });
const file = path.join(resultsDir, `settings-push-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds: results }, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
process.exit(0);
