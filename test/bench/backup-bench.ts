/**
 * Sensor backups onto a real Samba share, sensor → console → SMB:
 *
 *   npm run bench -- backup [--size 2GiB] [--parallel 10] [--parallel-size 256MiB]
 *
 * 1. One backup of a sensor whose data is `--size`: wall time from "back up
 *    now" to success (tar + SHA-256 on the sensor, upload over mutual TLS,
 *    hashing and streaming on to smbclient), throughput, and the console's
 *    peak RSS growth over its idle RSS, sampled every 50 ms in the console's
 *    own process (this file run with `--role console`). Broken down into the
 *    sensor's tar (timed around the capture core's produceBackup), the
 *    transfer of the finished archive to SMB (the part `smbclient put` does
 *    too), the console's own share of that (bytes through it, then the size
 *    check and rename, from its "backup upload stored" log line) and the
 *    console's CPU time.
 * 2. `smbclient put` of a file of the same size onto the same share in the
 *    same run (credentials file, 0600), once before and once after the backup,
 *    and the ratio of the throughputs (Garrison / both puts together), end to
 *    end and for the transfer alone. For both, the whole machine's CPU
 *    (machine-cpu.ts: CPU-seconds per GiB and how busy the cores were): when
 *    both keep every core busy, that, not any one process, bounds the ratio.
 * 3. `--parallel` sensors of `--parallel-size` each backed up at once (the
 *    console runs four at a time): total time, aggregate throughput, peak RSS.
 * Prints a table and writes JSON under test/bench/results/.
 * `BENCH_CPU_PROFILE=dir` writes a CPU profile of the console's process there.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { z } from 'zod';
import { startSamba } from '../helpers/samba.js';
import { makeTempDir, startTestConsole, type TestConsole } from '../helpers/test-console.js';
import { createTestSensor, singleUseConnectionString, type TestSensor } from '../helpers/test-sensors.js';
import { api, signInAsAdmin } from '../helpers/test-session.js';
import { cpuBetween, describeCpuUse, sampleMachineCpu, type CpuSample } from './machine-cpu.js';

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
  let baseline = process.memoryUsage.rss();
  let peak = baseline;
  let cpuAtReset = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let logsAtReset = testConsole.logs.length;
  setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50).unref();
  process.on('message', async (message: { kind: string }) => {
    if (message.kind === 'reset') {
      global.gc?.();
      baseline = process.memoryUsage.rss();
      peak = baseline;
      cpuAtReset = process.cpuUsage();
      loopDelay.reset();
      logsAtReset = testConsole.logs.length;
      process.send?.({ kind: 'reset', baseline });
    } else if (message.kind === 'peak') {
      const cpu = process.cpuUsage(cpuAtReset);
      process.send?.({ kind: 'peak', baseline, peak, cpuSeconds: (cpu.user + cpu.system) / 1e6, loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6, uploads: storedUploads(testConsole.logs.slice(logsAtReset)) });
    } else if (message.kind === 'stop') {
      await testConsole.destroy();
      process.exit(0);
    }
  });
  const info: ConsoleInfo = { baseUrl: testConsole.baseUrl, caPem: testConsole.caPem, linkPort: testConsole.linkPort, dataDir: testConsole.dataDir, headers: admin.headers };
  process.send?.({ kind: 'ready', info });
}

interface StoredUpload {
  receiveMs: number;
  /** Of receiveMs, how long the console held bytes smbclient would not take yet (null: the driver does not say). */
  waitedForTargetMs: number | null;
  commitMs: number;
}

/** The receiver's "backup upload stored" log lines (pino JSON): how long the bytes took through the console, and the size check + rename. */
function storedUploads(lines: string[]): StoredUpload[] {
  const uploads: StoredUpload[] = [];
  for (const line of lines) {
    if (!line.includes('backup upload stored')) continue;
    const entry = JSON.parse(line) as Partial<StoredUpload>;
    if (typeof entry.receiveMs === 'number' && typeof entry.commitMs === 'number') {
      uploads.push({ receiveMs: entry.receiveMs, waitedForTargetMs: entry.waitedForTargetMs ?? null, commitMs: entry.commitMs });
    }
  }
  return uploads;
}

interface ConsoleReport {
  baseline: number;
  peak: number;
  cpuSeconds: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  uploads: StoredUpload[];
}

// ---- the bench process: sensors, Samba, smbclient, the table.
function startConsoleChild(): Promise<{ child: ChildProcess; info: ConsoleInfo; ask(kind: string): Promise<ConsoleReport> }> {
  const profile = process.env.BENCH_CPU_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROFILE] : [];
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'console'], { execArgv: ['--import', 'tsx', '--expose-gc', ...profile], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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
      return (await answer) as unknown as ConsoleReport;
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

    /** When the last archive of each sensor was produced (start and end, performance.now()), and the machine's CPU then. */
    const tarTimes = new Map<string, { started: number; ended: number; cpuAtEnd: CpuSample | null }>();
    async function sensorWith(name: string, bytes: number): Promise<{ sensor: TestSensor; sensorId: string }> {
      const sensor = await createTestSensor(name);
      const produce = sensor.core.produceBackup.bind(sensor.core);
      sensor.core.produceBackup = async (targetFile: string) => {
        const started = performance.now();
        const produced = await produce(targetFile);
        tarTimes.set(name, { started, ended: performance.now(), cpuAtEnd: sampleMachineCpu() });
        return produced;
      };
      sensors.push(sensor);
      await writeData(path.join(sensor.core.root, 'data.bin'), bytes);
      const { connectionString } = await singleUseConnectionString(testConsole, headers, { zoneId: zone.body.id });
      await sensor.enroll(connectionString);
      await sensor.link();
      await sensor.waitForState('connected');
      return { sensor, sensorId: (await sensor.store.load())?.sensorId ?? '' };
    }

    async function backUp(sensorIds: string[]): Promise<{ ms: number; bytes: number; ended: number; cpuAtEnd: CpuSample | null }> {
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
      return { ms: performance.now() - started, bytes, ended: performance.now(), cpuAtEnd: sampleMachineCpu() };
    }

    // `smbclient put` of a file of the backup's size to the same share, once before and once after
    // the backup (the machine's load drifts), each to a new name (Samba overwrites an existing file
    // two to three times faster than it creates one) after a `sync`, so that no phase pays for the
    // previous one's writeback.
    const baselineFile = path.join(work, 'baseline.tar');
    await writeData(baselineFile, size);
    const credentials = path.join(work, 'smb-credentials');
    await writeFile(credentials, `username = ${samba.user}\npassword = ${samba.password}\n`, { mode: 0o600 });
    async function smbclientPut(name: string): Promise<{ ms: number; bytes: number; cpu: ReturnType<typeof cpuBetween> }> {
      await run('sync', []);
      const cpuBefore = sampleMachineCpu();
      const started = performance.now();
      await run('smbclient', [`//${samba.normal.host}/${samba.normal.share}`, '-p', String(samba.normal.port), '-A', credentials, '-c', `put ${baselineFile} ${name}`], { maxBuffer: 1024 * 1024 });
      const ms = performance.now() - started;
      const cpu = cpuBetween(cpuBefore, sampleMachineCpu());
      const stored = path.join(samba.normal.path, name);
      const bytes = (await stat(stored)).size;
      await rm(stored, { force: true });
      return { ms, bytes, cpu };
    }

    // 1. One large backup, between two `smbclient put`s.
    const large = await sensorWith('bench-large', size);
    const putBefore = await smbclientPut('bench-baseline-before.tar');
    await run('sync', []);
    await consoleChild.ask('reset');
    const single = await backUp([large.sensorId]);
    const singlePeak = await consoleChild.ask('peak');
    const tar = tarTimes.get('bench-large')!;
    const tarMs = tar.ended - tar.started;
    // From the finished archive to the run's success (polled every 200 ms): what `smbclient put` of a file compares with.
    const transferMs = single.ended - tar.ended;
    // The machine's CPU over the transfer (everything: sensor, console, smbclient, smbd), against `smbclient put`'s.
    const transferCpu = cpuBetween(tar.cpuAtEnd, single.cpuAtEnd);
    const through = singlePeak.uploads[0] ?? { receiveMs: Number.NaN, waitedForTargetMs: null, commitMs: Number.NaN };
    const waitedForSmbclientMs = through.waitedForTargetMs ?? Number.NaN;
    const putAfter = await smbclientPut('bench-baseline-after.tar');
    await rm(credentials, { force: true });
    await rm(baselineFile, { force: true });
    const baselineBytes = putBefore.bytes + putAfter.bytes;
    const baselineMs = putBefore.ms + putAfter.ms;

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
      single: {
        bytes: single.bytes,
        seconds: single.ms / 1000,
        mibPerSecond: rate(single.bytes, single.ms),
        consolePeakRssGrowthMiB: mib(singlePeak.peak - singlePeak.baseline),
        consoleCpuSeconds: singlePeak.cpuSeconds,
        consoleEventLoopDelayP99Ms: singlePeak.loopDelayP99Ms,
        consoleEventLoopDelayMaxMs: singlePeak.loopDelayMaxMs,
        breakdown: {
          sensorTarSeconds: tarMs / 1000,
          transferSeconds: transferMs / 1000,
          transferMibPerSecond: rate(single.bytes, transferMs),
          throughConsoleSeconds: through.receiveMs / 1000,
          consoleWaitingForSmbclientSeconds: waitedForSmbclientMs / 1000,
          sizeCheckAndRenameSeconds: through.commitMs / 1000,
          machineCpuSecondsPerGiB: transferCpu ? transferCpu.busySeconds / (single.bytes / 1024 ** 3) : null,
          machineCpuUtilisation: transferCpu?.utilisation ?? null,
        },
      },
      smbclientPut: {
        bytes: baselineBytes,
        seconds: baselineMs / 1000,
        mibPerSecond: rate(baselineBytes, baselineMs),
        beforeMibPerSecond: rate(putBefore.bytes, putBefore.ms),
        afterMibPerSecond: rate(putAfter.bytes, putAfter.ms),
        machineCpuSecondsPerGiB: putBefore.cpu ? putBefore.cpu.busySeconds / (putBefore.bytes / 1024 ** 3) : null,
        machineCpuUtilisation: putBefore.cpu?.utilisation ?? null,
      },
      garrisonToSmbclientRatio: rate(single.bytes, single.ms) / rate(baselineBytes, baselineMs),
      transferToSmbclientRatio: rate(single.bytes, transferMs) / rate(baselineBytes, baselineMs),
      parallel: {
        sensors: parallel,
        bytesEach: parallelSize,
        seconds: together.ms / 1000,
        mibPerSecond: rate(together.bytes, together.ms),
        consolePeakRssGrowthMiB: mib(togetherPeak.peak - togetherPeak.baseline),
        consoleCpuSeconds: togetherPeak.cpuSeconds,
      },
    };
    const rows: Array<[string, string]> = [
      ['one backup, sensor → console → SMB', `${mib(single.bytes).toFixed(0)} MiB in ${(single.ms / 1000).toFixed(1)} s = ${result.single.mibPerSecond.toFixed(1)} MiB/s (tar + hash + upload)`],
      ['  sensor tar + SHA-256', `${(tarMs / 1000).toFixed(1)} s`],
      ['  transfer, finished archive → SMB', `${(transferMs / 1000).toFixed(1)} s = ${result.single.breakdown.transferMibPerSecond.toFixed(1)} MiB/s`],
      ['    of which bytes through the console', `${(through.receiveMs / 1000).toFixed(1)} s`],
      ['      console waiting for smbclient', `${(waitedForSmbclientMs / 1000).toFixed(1)} s (the rest: waiting for the sensor's upload, or working)`],
      ['    of which size check + rename', `${(through.commitMs / 1000).toFixed(1)} s`],
      ['    machine CPU over the transfer', describeCpuUse(transferCpu, single.bytes)],
      ['  console CPU time', `${singlePeak.cpuSeconds.toFixed(1)} s; event-loop delay p99 ${singlePeak.loopDelayP99Ms.toFixed(0)} ms, max ${singlePeak.loopDelayMaxMs.toFixed(0)} ms`],
      [
        'smbclient put, same size, same share',
        `${result.smbclientPut.mibPerSecond.toFixed(1)} MiB/s (before ${result.smbclientPut.beforeMibPerSecond.toFixed(1)}, after ${result.smbclientPut.afterMibPerSecond.toFixed(1)})`,
      ],
      ['  machine CPU, smbclient put (before)', describeCpuUse(putBefore.cpu, putBefore.bytes)],
      ['Garrison / smbclient, end to end', result.garrisonToSmbclientRatio.toFixed(2)],
      ['Garrison / smbclient, transfer only', result.transferToSmbclientRatio.toFixed(2)],
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
