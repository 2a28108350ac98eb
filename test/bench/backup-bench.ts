/**
 * Sensor backups onto a real Samba share, sensor → console → SMB:
 *
 *   npm run bench -- backup [--size 2GiB] [--parallel 10] [--parallel-size 256MiB]
 *
 * 1. One backup of a sensor whose data is `--size`: wall time from "back up
 *    now" to success (tar + SHA-256 on the sensor, upload over mutual TLS,
 *    hashing and streaming on to smbclient), throughput, and the console's
 *    peak RSS growth over its idle RSS, sampled every 50 ms in the console's
 *    own process (this file run with `--role console`).
 * 2. `smbclient put` of the same archive size onto the same share in the same
 *    run (credentials file, 0600), and the ratio of the two throughputs.
 * 3. `--parallel` sensors of `--parallel-size` each backed up at once (the
 *    console runs four at a time): total time, aggregate throughput, peak RSS.
 * Prints a table and writes JSON under test/bench/results/.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { z } from 'zod';
import { startSamba } from '../helpers/samba.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, singleUseConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin } from '../helpers/test-session.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'bench' },
    size: { type: 'string', default: '2GiB' },
    parallel: { type: 'string', default: '10' },
    'parallel-size': { type: 'string', default: '256MiB' },
  },
});

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/i.exec(text.trim());
  if (!match?.[1]) throw new Error(`"${text}" is not a size like 256MiB or 2GiB`);
  const unit = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }[(match[2] ?? 'B').toLowerCase() as 'b'];
  return Math.round(Number(match[1]) * unit);
}

interface ConsoleInfo {
  baseUrl: string;
  caPem: string;
  linkPort: number;
  dataDir: string;
  headers: Record<string, string>;
}

// ---- the console's process: starts a console, reports its peak RSS growth on request.
async function consoleRole(): Promise<void> {
  const testConsole = await startTestConsole();
  const admin = await signInAsAdmin(testConsole);
  let baseline = process.memoryUsage().rss;
  let peak = baseline;
  setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50).unref();
  process.on('message', async (message: { kind: string }) => {
    if (message.kind === 'reset') {
      global.gc?.();
      baseline = process.memoryUsage().rss;
      peak = baseline;
      process.send?.({ kind: 'reset', baseline });
    } else if (message.kind === 'peak') {
      process.send?.({ kind: 'peak', baseline, peak });
    } else if (message.kind === 'stop') {
      await testConsole.destroy();
      process.exit(0);
    }
  });
  const info: ConsoleInfo = { baseUrl: testConsole.baseUrl, caPem: testConsole.caPem, linkPort: testConsole.linkPort, dataDir: testConsole.dataDir, headers: admin.headers };
  process.send?.({ kind: 'ready', info });
}

// ---- the bench process: sensors, Samba, smbclient, the table.
function startConsoleChild(): Promise<{ child: ChildProcess; info: ConsoleInfo; ask(kind: string): Promise<{ baseline: number; peak: number }> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'console'], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const waiting = new Map<string, Array<(message: Record<string, unknown>) => void>>();
  child.on('message', (message: Record<string, unknown>) => waiting.get(String(message.kind))?.shift()?.(message));
  const next = (kind: string) =>
    new Promise<Record<string, unknown>>((resolve) => {
      waiting.set(kind, [...(waiting.get(kind) ?? []), resolve]);
    });
  const died = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`the console process ended before it was ready (exit ${code})`))));
  return Promise.race([next('ready'), died]).then((ready) => ({
    child,
    info: ready.info as ConsoleInfo,
    ask: async (kind: string) => {
      const answer = next(kind);
      child.send({ kind });
      return (await answer) as unknown as { baseline: number; peak: number };
    },
  }));
}

async function writeData(file: string, sizeBytes: number): Promise<void> {
  const block = randomBytes(4 * 1024 * 1024);
  const out = createWriteStream(file);
  for (let written = 0; written < sizeBytes; written += block.length) {
    const part = sizeBytes - written < block.length ? block.subarray(0, sizeBytes - written) : block;
    if (!out.write(part)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

async function bench(): Promise<void> {
  const size = parseSize(values.size);
  const parallel = z.coerce.number().int().min(1).max(100).parse(values.parallel);
  const parallelSize = parseSize(values['parallel-size']);
  const samba = await startSamba();
  const consoleChild = await startConsoleChild().catch(async (error: unknown) => {
    await samba.stop();
    throw error;
  });
  const testConsole = { ...consoleChild.info, logs: [] } as unknown as TestConsole;
  const headers = consoleChild.info.headers;
  const sensors: TestSensor[] = [];
  const work = await makeTempDir('backup-bench');
  try {
    const target = await api<{ id: string }>(testConsole, 'POST', '/backup-targets', {
      headers,
      body: { kind: 'smb', name: 'Bench share', host: samba.normal.host, port: samba.normal.port, share: samba.normal.share, user: samba.user, password: samba.password },
    });
    if (target.status !== 201) throw new Error(`target: ${target.text}`);
    const site = await api<{ id: string }>(testConsole, 'POST', '/sites', { headers, body: { name: 'Bench' } });
    const zone = await api<{ id: string }>(testConsole, 'POST', '/zones', { headers, body: { siteId: site.body.id, name: 'Bench' } });
    await api(testConsole, 'POST', '/backups/schedules', { headers, body: { scope: 'zone', scopeId: zone.body.id, time: '03:00', targetId: target.body.id } });

    async function sensorWith(name: string, bytes: number): Promise<{ sensor: TestSensor; sensorId: string }> {
      const sensor = await createTestSensor(name);
      sensors.push(sensor);
      await writeData(path.join(sensor.core.root, 'data.bin'), bytes);
      const { connectionString } = await singleUseConnectionString(testConsole, headers, { zoneId: zone.body.id });
      await sensor.enroll(connectionString);
      await sensor.link();
      await sensor.waitForState('connected');
      return { sensor, sensorId: (await sensor.store.load())?.sensorId ?? '' };
    }

    async function backUp(sensorIds: string[]): Promise<{ ms: number; bytes: number }> {
      const started = performance.now();
      const runIds = await Promise.all(sensorIds.map(async (id) => (await api<{ id: string }>(testConsole, 'POST', `/sensors/${id}/backups`, { headers })).body.id));
      let bytes = 0;
      for (const runId of runIds) {
        for (;;) {
          const current = await api<{ status: string; sizeBytes: number | null; failure: unknown }>(testConsole, 'GET', `/backups/runs/${runId}`, { headers });
          if (current.body.status === 'failed') throw new Error(`run failed: ${JSON.stringify(current.body.failure)}`);
          if (current.body.status === 'succeeded') {
            bytes += current.body.sizeBytes ?? 0;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
      return { ms: performance.now() - started, bytes };
    }

    // 1. One large backup.
    const large = await sensorWith('bench-large', size);
    await consoleChild.ask('reset');
    const single = await backUp([large.sensorId]);
    const singlePeak = await consoleChild.ask('peak');

    // 2. smbclient put of a file of the same size to the same share.
    const baselineFile = path.join(work, 'baseline.tar');
    await writeData(baselineFile, single.bytes);
    const credentials = path.join(work, 'smb-credentials');
    await writeFile(credentials, `username = ${samba.user}\npassword = ${samba.password}\n`, { mode: 0o600 });
    const baselineStarted = performance.now();
    await run('smbclient', [`//${samba.normal.host}/${samba.normal.share}`, '-p', String(samba.normal.port), '-A', credentials, '-c', `put ${baselineFile} bench-baseline.tar`], { maxBuffer: 1024 * 1024 });
    const baselineMs = performance.now() - baselineStarted;
    await rm(credentials, { force: true });
    await rm(baselineFile, { force: true });
    const baselineBytes = (await stat(path.join(samba.normal.path, 'bench-baseline.tar'))).size;

    // 3. Several at once.
    const many = await Promise.all(Array.from({ length: parallel }, (_unused, index) => sensorWith(`bench-parallel-${index + 1}`, parallelSize)));
    await consoleChild.ask('reset');
    const together = await backUp(many.map((entry) => entry.sensorId));
    const togetherPeak = await consoleChild.ask('peak');

    const mib = (bytes: number) => bytes / 1024 / 1024;
    const rate = (bytes: number, ms: number) => mib(bytes) / (ms / 1000);
    const result = {
      scenario: 'backup',
      at: new Date().toISOString(),
      size,
      single: { bytes: single.bytes, seconds: single.ms / 1000, mibPerSecond: rate(single.bytes, single.ms), consolePeakRssGrowthMiB: mib(singlePeak.peak - singlePeak.baseline) },
      smbclientPut: { bytes: baselineBytes, seconds: baselineMs / 1000, mibPerSecond: rate(baselineBytes, baselineMs) },
      garrisonToSmbclientRatio: rate(single.bytes, single.ms) / rate(baselineBytes, baselineMs),
      parallel: { sensors: parallel, bytesEach: parallelSize, seconds: together.ms / 1000, mibPerSecond: rate(together.bytes, together.ms), consolePeakRssGrowthMiB: mib(togetherPeak.peak - togetherPeak.baseline) },
    };
    const rows: Array<[string, string]> = [
      ['one backup, sensor → console → SMB', `${mib(single.bytes).toFixed(0)} MiB in ${(single.ms / 1000).toFixed(1)} s = ${result.single.mibPerSecond.toFixed(1)} MiB/s (tar + hash + upload)`],
      ['smbclient put, same size, same share', `${(baselineMs / 1000).toFixed(1)} s = ${result.smbclientPut.mibPerSecond.toFixed(1)} MiB/s`],
      ['Garrison / smbclient throughput', result.garrisonToSmbclientRatio.toFixed(2)],
      ['console peak RSS growth (one backup)', `${result.single.consolePeakRssGrowthMiB.toFixed(1)} MiB`],
      [`${parallel} backups at once (${mib(parallelSize).toFixed(0)} MiB each)`, `${(together.ms / 1000).toFixed(1)} s = ${result.parallel.mibPerSecond.toFixed(1)} MiB/s aggregate`],
      [`console peak RSS growth (${parallel} at once)`, `${result.parallel.consolePeakRssGrowthMiB.toFixed(1)} MiB`],
    ];
    const width = Math.max(...rows.map(([label]) => label.length));
    for (const [label, value] of rows) process.stdout.write(`${label.padEnd(width)}  ${value}\n`);
    const resultsDir = path.join(here, 'results');
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, `backup-${result.at.replace(/[:.]/g, '-')}.json`);
    await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results: ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await Promise.all(sensors.map((sensor) => sensor.stop()));
    const exited = new Promise((resolve) => consoleChild.child.once('exit', resolve));
    consoleChild.child.send({ kind: 'stop' });
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    consoleChild.child.kill();
    await samba.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (values.role === 'console') await consoleRole();
else await bench();
