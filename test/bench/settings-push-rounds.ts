/**
 * The machinery shared by the `settings-push` and `scale` scenarios: N real
 * sensor-link sensors (real LinkClient and settings-apply code) in one zone of
 * a console running in a child process (settings-push-bench-console.ts), then
 * the same sensors against a bare socket.io server over the same mutual TLS
 * (settings-push-baseline.ts).
 *
 * Rounds go up in N, linking more sensors each round. Per round: link the new
 * sensors in waves, place all linked ones in the zone, let the link storm
 * settle, push once (the round's new sensors get their first settings: files
 * created, status documents inserted; reported as `firstPushMaxMs`), read the
 * console's memory after a full GC, then PUT a new NTP server to the zone and
 * wait until every sensor's acknowledgement is stored: the measured push, a
 * change to sensors that already hold settings, as an operator's everyday
 * change is. The baseline pushes twice the same way, so its sensors do the
 * same work: before, its one push rewrote files that Garrison's push had
 * created, which cost the sensors less (0.33 ms each at 2,000). Linking
 * that has not finished, or a push not all acknowledged, within
 * `giveUpAfterMs` makes the round not reached, and larger rounds are not tried
 * (each would cost at least as long). The baseline runs every round on its own
 * budget, so it shows where it gets to even when Garrison does not.
 *
 * Callers turn the rounds into their own table and JSON.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LinkClient } from '../../sensor-link/src/connection/link-client.js';
import type { CaptureCore } from '../../sensor-link/src/core/capture-core.js';
import { SETTINGS_FILES } from '../../sensor-link/src/core/settings-files.js';
import { createKeyAndCsr } from '../../sensor-link/src/enroll/csr.js';
import type { LinkLog } from '../../sensor-link/src/link-log.js';
import { request } from '../helpers/https-client.js';
import { makeTempDir } from '../helpers/test-console.js';
import { createTestSensor, type TestSensor } from '../helpers/test-sensors.js';
import { inBatches, startBenchChild, type BenchChild, type MemorySample } from './bench-child.js';
import { epochMs } from './bench-process.js';
import type { DatabaseTimeEntry } from './database-time.js';

export type { MemorySample } from './bench-child.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** Linking speed is not what the push measures: a short backoff gets every sensor in quickly. */
const BENCH_BACKOFF = { baseMs: 500, capMs: 5000 };
const LINK_WAVE = 50;
const SETTLE_MS = 10_000;
const BASELINE_SETTLE_MS = 2000;
/** The console's default heartbeat, set on both the console and the baseline so each sensor sends the same reports to both. */
const HEALTH_INTERVAL_MS = 30_000;

export type ApplyMode = 'files' | 'memory';
/**
 * Where the simulated sensors' folders live. A real sensor applies pushed
 * settings to its own disk: four fsyncs that take a few milliseconds and run
 * in parallel with every other sensor's. A thousand simulated sensors on one
 * disk queue 4,000 fsyncs through one journal and four libuv threads instead,
 * which measures the simulator's disk, not the push. `tmpfs` (/dev/shm, the
 * default) keeps every apply step (same files, same fsync calls) off that
 * shared queue; `disk` shows the shared-disk cost.
 */
export const sensorFoldersSchema = z.enum(['tmpfs', 'disk'], { error: '--sensor-folders must be tmpfs or disk' });
export type SensorFolders = z.infer<typeof sensorFoldersSchema>;
const TMPFS = '/dev/shm';

export interface PushRoundsOptions {
  /** Sensor counts, ascending. */
  rounds: number[];
  applyMode: ApplyMode;
  sensorFolders: SensorFolders;
  giveUpAfterMs: number;
}

export interface PushMeasure {
  /** Per acknowledged sensor, ms from the start of the push until its acknowledgement was stored (Garrison) or received (baseline). */
  latenciesMs: number[];
  failed: number;
  /** Process CPU of the console (or bare server) during the push, µs. */
  serverCpuMicros: number;
  /** CPU of this process (the sensors) during the push, µs. */
  sensorsCpuMicros: number;
}

export interface GarrisonPush extends PushMeasure {
  apiResponseMs: number;
  databaseCpuMicros: number;
  /** 'yes' when the last sensor's chrony.conf names the new server (`--apply files` only). */
  chronyUpdated?: 'yes' | 'NO';
}

export interface Round<Push extends PushMeasure = PushMeasure> {
  sensors: number;
  /** Linked and every sensor acknowledged the push within the budget. */
  reached: boolean;
  /** Why a round was not reached, in words. */
  notReached?: string;
  linked: number;
  /** Time to link this round's new sensors, and all sensors linked so far (sum over the rounds), ms. */
  linkRoundMs: number;
  linkAllMs: number;
  /** Memory after a full GC, linked and settled, before the push; `null` when the process cannot tell. */
  memory: MemorySample | null;
  /** The round's first push (its new sensors' first settings), ms until all acknowledged. */
  firstPushMaxMs?: number;
  /** The measured push. */
  push: Push | null;
}

export interface PushRounds {
  applyMode: ApplyMode;
  sensorFolders: SensorFolders;
  garrison: { idle: MemorySample; rounds: Array<Round<GarrisonPush>> };
  baseline: { idle: MemorySample; rounds: Round[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** p50, p99 and max of a push's latencies (max = time until all acknowledged, when all did), rounded to 0.1 ms. */
export function latencySummary(latencies: number[]) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (value: number) => Math.round(value * 10) / 10;
  return { acked: sorted.length, p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)), maxMs: round(sorted.at(-1) ?? Number.NaN) };
}

/** Memory above idle per link, KiB. */
export function perLinkKiB(memory: MemorySample | null, idle: MemorySample, linked: number) {
  if (!memory || linked === 0) return { rssPerLinkKiB: Number.NaN, heapPerLinkKiB: Number.NaN };
  const perLink = (bytes: number) => Math.round((bytes / linked / 1024) * 10) / 10;
  return { rssPerLinkKiB: perLink(memory.rssBytes - idle.rssBytes), heapPerLinkKiB: perLink(memory.heapUsedBytes - idle.heapUsedBytes) };
}

const quietLog: LinkLog = { info: () => {}, warn: () => {}, error: () => {} };

/** The sensors' LinkClients; `link` starts more of them in waves. */
class SensorLinks {
  private readonly clients = new Map<TestSensor, LinkClient>();

  constructor(private readonly applyMode: ApplyMode) {}

  /**
   * Starts real LinkClients for `list` in waves of LINK_WAVE and resolves
   * with how many are connected once all are, or at `deadline` (epoch ms):
   * thousands of TLS handshakes at once on a starved machine time out and
   * retry for many minutes.
   */
  async link(list: TestSensor[], deadline: number): Promise<number> {
    for (let start = 0; start < list.length; start += LINK_WAVE) {
      const wave = list.slice(start, start + LINK_WAVE);
      const connected = await this.linkWave(wave, start, list.length, deadline);
      if (connected < wave.length) return start + connected;
    }
    return list.length;
  }

  stop(): void {
    for (const client of this.clients.values()) client.stop();
    this.clients.clear();
  }

  private connectedOf(list: TestSensor[]): number {
    return list.filter((sensor) => this.clients.get(sensor)?.current.state === 'connected').length;
  }

  private async linkWave(list: TestSensor[], before: number, total: number, deadline: number): Promise<number> {
    const startedAt = performance.now();
    const progress = setInterval(() => {
      console.error(`  linking: ${before + this.connectedOf(list)}/${total}; this wave ${Math.round((performance.now() - startedAt) / 1000)} s`);
      // What the others say, grouped (numbers stripped), to see why linking is slow.
      const reasons = new Map<string, number>();
      for (const sensor of list) {
        const status = this.clients.get(sensor)?.current;
        if (status?.state === 'connected') continue;
        const reason = (status?.message ?? 'not started').replace(/\d+(\.\d+)?/g, '#').slice(0, 160);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
      for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 3)) console.error(`    ${count} × ${reason}`);
    }, 10_000);
    let giveUp: NodeJS.Timeout | undefined;
    try {
      const all = Promise.all(list.map((sensor) => this.start(sensor)));
      const late = new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, Math.max(0, deadline - epochMs()));
      });
      await Promise.race([all, late]);
      return this.connectedOf(list);
    } finally {
      clearInterval(progress);
      clearTimeout(giveUp);
    }
  }

  private async start(sensor: TestSensor): Promise<void> {
    this.clients.get(sensor)?.stop();
    const client = new LinkClient({ store: sensor.store, core: this.coreFor(sensor), log: quietLog, backoff: BENCH_BACKOFF, connectTimeoutMs: 20_000 });
    this.clients.set(sensor, client);
    const connected = new Promise<void>((resolve) => {
      const off = client.onStatus((status) => {
        if (status.state !== 'connected') return;
        off();
        resolve();
      });
    });
    await client.start();
    await connected;
  }

  /** The sensor's core: the reference DirectoryCore, or the same with applySettings a no-op (`memory`). */
  private coreFor(sensor: TestSensor): CaptureCore {
    if (this.applyMode === 'files') return sensor.core;
    const real = sensor.core;
    return {
      facts: () => real.facts(),
      health: () => real.health(),
      applySettings: async () => {},
      produceBackup: (file) => real.produceBackup(file),
      restoreBackup: (file) => real.restoreBackup(file),
    };
  }
}

/** Links this round's new sensors; the round so far, and whether linking converged. */
async function linkRound(links: SensorLinks, sensors: TestSensor[], from: number, count: number, giveUpAfterMs: number, linkedMsBefore: number) {
  const startedAt = epochMs();
  const connected = await links.link(sensors.slice(from, count), startedAt + giveUpAfterMs);
  const linkRoundMs = Math.round(epochMs() - startedAt);
  const linked = from + connected;
  const round = { sensors: count, reached: linked === count, linked, linkRoundMs, linkAllMs: linkedMsBefore + linkRoundMs, memory: null, push: null };
  return linked === count ? round : { ...round, notReached: `${linked} of ${count} linked after ${Math.round(giveUpAfterMs / 1000)} s` };
}

const notAcknowledged = (acked: number, count: number, giveUpAfterMs: number) => `${acked} of ${count} acknowledged after ${Math.round(giveUpAfterMs / 1000)} s`;

/** Runs every round against a console, then against the bare baseline. */
export async function runPushRounds(options: PushRoundsOptions): Promise<PushRounds> {
  const { rounds, applyMode, sensorFolders, giveUpAfterMs } = options;
  if (sensorFolders === 'tmpfs' && !(await stat(TMPFS).then((info) => info.isDirectory(), () => false))) throw new Error(`--sensor-folders tmpfs needs ${TMPFS}; use --sensor-folders disk`);
  const sensorParent = sensorFolders === 'tmpfs' ? TMPFS : os.tmpdir();
  const maxSensors = rounds.at(-1) ?? 0;
  const links = new SensorLinks(applyMode);
  const dataDir = await makeTempDir('bench-settings');
  let consoleProcess: BenchChild | null = startBenchChild(path.join(here, 'settings-push-bench-console.ts'), [dataDir], { GARRISON_LINK_HEALTH_INTERVAL_MS: String(HEALTH_INTERVAL_MS) });
  let baselineProcess: BenchChild | null = null;
  const ready = await consoleProcess.ready;
  const consoleApi = (method: string, apiPath: string, body?: unknown) =>
    request<{ revision: number }>(`${String(ready.baseUrl)}/api/v1${apiPath}`, { method, headers: ready.headers as Record<string, string>, ca: String(ready.caPem), ...(body === undefined ? {} : { body }) });

  // One RSA key for every simulated sensor (each still gets its own certificate): generating
  // thousands of keys takes minutes on a small machine and measures nothing about the push.
  const sharedKey = await createKeyAndCsr({ commonName: 'bench' });
  const sensors = await Promise.all(Array.from({ length: maxSensors }, (_, index) => createTestSensor(`push-${String(index).padStart(5, '0')}`, { keyFactory: async () => sharedKey, parentDir: sensorParent })));
  /** PUTs `address` as the zone's NTP server and waits until `count` acknowledgements are stored (or the budget ends). */
  const pushToZone = async (address: string, count: number, printDatabaseTime = false): Promise<GarrisonPush> => {
    if (!consoleProcess) throw new Error('the console is stopped');
    const current = await consoleApi('GET', `/settings/zones/${String(ready.zoneId)}`);
    const mark = await consoleProcess.ask({ kind: 'mark' }, 'mark');
    const sensorCpuBefore = process.cpuUsage();
    const startedAt = epochMs();
    const saved = await consoleApi('PUT', `/settings/zones/${String(ready.zoneId)}`, { baseRevision: current.body.revision, settings: { ntp: { enabled: true, servers: [{ address }] } } });
    const apiResponseMs = Math.round(epochMs() - startedAt);
    if (saved.status !== 200) throw new Error(`the zone save failed: ${saved.status} ${saved.text}`);
    const acks = await consoleProcess.ask({ kind: 'acks', revision: saved.body.revision, count, timeoutMs: giveUpAfterMs }, 'acks');
    const sensorCpu = process.cpuUsage(sensorCpuBefore);
    const before = mark.cpu as { consoleMicros: number; databaseMicros: number };
    const after = acks.cpu as { consoleMicros: number; databaseMicros: number };
    if (printDatabaseTime) for (const entry of acks.databaseTime as DatabaseTimeEntry[]) console.error(`  database: ${entry.command} ×${entry.count}, ${entry.totalMs} ms (${entry.meanMs} ms each)`);
    // Real files: the last sensor's chrony.conf names the new server.
    const chrony = applyMode === 'files' ? await readFile(path.join(sensors[count - 1]!.core.root, SETTINGS_FILES.chrony), 'utf8').catch(() => '') : '';
    return {
      latenciesMs: Object.values(acks.recordedAt as Record<string, number>).map((at) => at - startedAt),
      failed: Number(acks.failed),
      apiResponseMs,
      serverCpuMicros: after.consoleMicros - before.consoleMicros,
      databaseCpuMicros: after.databaseMicros - before.databaseMicros,
      sensorsCpuMicros: sensorCpu.user + sensorCpu.system,
      ...(applyMode === 'files' ? { chronyUpdated: chrony.includes(address) ? 'yes' : 'NO' } : {}),
    };
  };
  /** The bare baseline emits `address` as the NTP server to every linked sensor and waits for their answers. */
  const baselinePush = async (baseline: BenchChild, revision: number, address: string): Promise<PushMeasure> => {
    const settings = { ntp: { enabled: true, servers: [{ address, port: 123 }] }, timeRegion: { timeZone: 'UTC', dateFormat: 'dd/MM/yyyy HH:mm:ss' } };
    const sensorCpuBefore = process.cpuUsage();
    const pushed = await baseline.ask({ kind: 'push', revision, settings, timeoutMs: giveUpAfterMs }, 'pushed');
    const sensorCpu = process.cpuUsage(sensorCpuBefore);
    return {
      latenciesMs: (pushed.ackedAt as number[]).map((at) => at - Number(pushed.startedAt)),
      failed: Number(pushed.failed),
      serverCpuMicros: Number(pushed.cpuMicros),
      sensorsCpuMicros: sensorCpu.user + sensorCpu.system,
    };
  };
  try {
    const seedStartedAt = performance.now();
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
    console.error(`seeded ${maxSensors} sensors in ${Math.round(performance.now() - seedStartedAt)} ms`);
    // Idle once seeding (thousands of certificates signed, documents written) has settled:
    // right after it, RSS still holds the seeding's peak and per-link RSS would come out low.
    await sleep(SETTLE_MS);
    const garrison = { idle: await consoleProcess.memory(), rounds: [] as Array<Round<GarrisonPush>> };

    // Garrison: each round links more sensors, places all linked ones in the zone and PUTs a new NTP server.
    let linked = 0;
    for (const count of rounds) {
      const round: Round<GarrisonPush> = await linkRound(links, sensors, linked, count, giveUpAfterMs, garrison.rounds.at(-1)?.linkAllMs ?? 0);
      garrison.rounds.push(round);
      linked = round.linked;
      if (!round.reached) {
        round.memory = await consoleProcess.memory();
        console.error(`garrison ${count}: not reached, ${round.notReached}`);
        break;
      }
      await consoleProcess.ask({ kind: 'zone', sensorIds: identities.slice(0, count).map((identity) => identity.sensorId) }, 'zoned');
      // Let the link storm settle (first health reports, presence writes) so the push is measured alone.
      await sleep(SETTLE_MS);
      const first = await pushToZone(`ntp-${count}-first.bench.example`, count);
      round.firstPushMaxMs = Math.round(Math.max(...first.latenciesMs));
      if (first.latenciesMs.length === count) {
        // The first push's database confirmation reads once its pushes went out (about 2 s at 5,000): let it finish.
        await sleep(SETTLE_MS);
        round.memory = await consoleProcess.memory();
        round.push = await pushToZone(`ntp-${count}.bench.example`, count, true);
      } else {
        round.push = first;
      }
      const acked = round.push.latenciesMs.length;
      if (acked < count) Object.assign(round, { reached: false, notReached: notAcknowledged(acked, count, giveUpAfterMs) });
      console.error(`garrison ${count}: linked in ${round.linkRoundMs} ms, first push ${round.firstPushMaxMs} ms, ${JSON.stringify(latencySummary(round.push.latenciesMs))}${round.reached ? '' : `, not reached: ${round.notReached}`}`);
      if (!round.reached) break;
    }

    // Bare baseline: the same sensors (same LinkClient, same apply code) against a server with no logic.
    links.stop();
    baselineProcess = startBenchChild(path.join(here, 'settings-push-baseline.ts'), [dataDir, String(HEALTH_INTERVAL_MS)]);
    const baselinePort = Number((await baselineProcess.ready).port);
    await consoleProcess.stop();
    consoleProcess = null;
    for (const sensor of sensors) {
      const state = await sensor.store.load();
      if (!state) throw new Error(`${sensor.name} has no state`);
      await sensor.store.save({ ...state, consoleAddresses: [`127.0.0.1:${baselinePort}`] });
    }
    await sleep(BASELINE_SETTLE_MS);
    const baseline = { idle: await baselineProcess.memory(), rounds: [] as Round[] };
    linked = 0;
    for (const count of rounds) {
      const round: Round = await linkRound(links, sensors, linked, count, giveUpAfterMs, baseline.rounds.at(-1)?.linkAllMs ?? 0);
      baseline.rounds.push(round);
      linked = round.linked;
      await sleep(BASELINE_SETTLE_MS);
      round.memory = await baselineProcess.memory();
      if (!round.reached) break;
      // The same two pushes as Garrison's: the first gives the round's new sensors their first settings, the second is measured.
      const first = await baselinePush(baselineProcess, 1_000_000 + 2 * count, `ntp-${count}-first.baseline.example`);
      round.firstPushMaxMs = Math.round(Math.max(...first.latenciesMs));
      round.push = first.latenciesMs.length === count ? await baselinePush(baselineProcess, 1_000_001 + 2 * count, `ntp-${count}.baseline.example`) : first;
      const acked = round.push.latenciesMs.length;
      if (acked < count) Object.assign(round, { reached: false, notReached: notAcknowledged(acked, count, giveUpAfterMs) });
      console.error(`baseline ${count}: linked in ${round.linkRoundMs} ms, first push ${round.firstPushMaxMs} ms, ${JSON.stringify(latencySummary(round.push.latenciesMs))}`);
      if (!round.reached) break;
    }
    return { applyMode, sensorFolders, garrison, baseline };
  } finally {
    links.stop();
    await baselineProcess?.stop();
    await consoleProcess?.stop();
    await inBatches(sensors, 32, (sensor) => rm(sensor.root, { recursive: true, force: true }));
  }
}
