/**
 * Churn soak (issue #10 target 2: console memory at most 150 KiB per link
 * above idle, flat over a 30-minute churn soak). A console in a child process
 * (soak-console.ts); N real sensor-links from the fleet simulator's worker
 * processes (test/fleet, real enrolment and LinkClient) linked to it, each
 * linked sensor dropping its link and linking again with probability P per
 * minute, for M minutes.
 *
 *   npm run bench -- soak [--sensors 1000] [--churn 0.2] [--minutes 30] [--sample-seconds 30]
 *                         [--heartbeat-ms 30000] [--connect-rate 20] [--workers 2]
 *                         [--link-timeout-seconds 1800] [--back-wait-seconds 120]
 *                         [--flat-kib-per-link-hour 1.5] [--heap-snapshots] [--against console|baseline]
 *
 * Idle memory is measured before any sensor enrols. The soak begins once
 * every sensor has linked at least once (churn runs from the start); then the
 * console's memory after a full GC (RSS, heap used, external, array buffers;
 * the embedded FerretDB's RSS apart), the links it shows connected, the churn
 * so far (links dropped and re-established, as the console saw them) and its
 * event-loop delay are sampled every S seconds.
 *
 * Per link above idle = (memory − idle) ÷ links connected at that sample.
 * Growth is the least-squares slope over the samples after the first 20 % of
 * the soak (warm-up), with its standard error. "Flat" is judged against a
 * leak budget of --flat-kib-per-link-hour (default 1.5 KiB per link per hour,
 * 1 % of the 150 KiB per-link budget per hour: 25 KiB/min at 1,000 links):
 *   flat          slope + 2 SE ≤ budget  (growth, if any, is below the budget with ~95 % confidence)
 *   grows         slope − 2 SE > 0 and slope > budget
 *   inconclusive  otherwise (the samples are too noisy or too few to tell; soak longer)
 * judged for heap used (JS objects) and RSS (everything, including TLS buffers).
 * Shown, not judged: the heap slope without compiled code (the JIT's output
 * keeps growing for minutes) and both slopes over the last half alone (a
 * warm-up slows down, a leak keeps its pace).
 * At the end the sensors not shown connected get --back-wait-seconds to come
 * back (churn goes on); one that does not is left behind.
 * --heap-snapshots writes a heap snapshot of the console at the end of the
 * warm-up and at the end, and prints what grew in between (soak-heap-diff.ts);
 * writing one leaves the console's RSS far higher, so RSS is then not judged.
 * Prints a table and a verdict, writes JSON under test/bench/results/.
 *
 * --against baseline soaks the bare baseline server instead
 * (soak-baseline-server.ts: the link bench's socket.io server over the same
 * mutual TLS, no application logic), to attribute growth: if RSS grows there
 * as on the console under the same churn, it is Node, OpenSSL or the
 * allocator, not Garrison. The baseline cannot enrol, so the console still
 * starts (nothing is measured on it) and the fleet enrols and links to it
 * once; then the console stops and the baseline listens on its link port
 * with its CA, server certificate and master key (the console keeps its
 * data directory when it stops), and the fleet's
 * LinkClients come back by themselves (same address, CA and certificate). Its
 * idle memory is one sample as soon as it listens, while the sensors are
 * already reconnecting (so idle errs high and per-link figures low); the soak
 * begins once 95 % of the sensors show linked to it, and is sampled and
 * judged exactly as the console's.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { makeTempDir } from '../helpers/test-console.js';
import { startFleet, type RunningFleet } from '../fleet/fleet-simulator.js';
import { startBenchChild, type Answer, type BenchChild } from './bench-child.js';
import { compareHeapSnapshots, formatHeapGrowth } from './soak-heap-diff.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGET_KIB_PER_LINK = 150;
const WARM_UP_SHARE = 0.2;
const IDLE_SETTLE_MS = 20_000;
/** --against baseline: the share of the fleet that must show linked to the baseline before the soak begins. */
const BASELINE_LINKED_SHARE = 0.95;
const BASELINE_START_TIMEOUT_MS = 60_000;

const { values } = parseArgs({
  options: {
    sensors: { type: 'string', default: '1000' },
    churn: { type: 'string', default: '0.2' },
    minutes: { type: 'string', default: '30' },
    'sample-seconds': { type: 'string', default: '30' },
    'heartbeat-ms': { type: 'string', default: '30000' },
    'connect-rate': { type: 'string', default: '20' },
    workers: { type: 'string', default: '2' },
    'link-timeout-seconds': { type: 'string', default: '1800' },
    'back-wait-seconds': { type: 'string', default: '120' },
    'flat-kib-per-link-hour': { type: 'string', default: '1.5' },
    'heap-snapshots': { type: 'boolean', default: false },
    against: { type: 'string', default: 'console' },
  },
});
const options = z
  .strictObject({
    sensors: z.coerce.number().int().min(1).max(20_000),
    churn: z.coerce.number().min(0).max(0.99, 'is a probability per sensor per minute below 1 (at 1 the fleet drops every link every second)'),
    minutes: z.coerce.number().positive(),
    'sample-seconds': z.coerce.number().min(2),
    'heartbeat-ms': z.coerce.number().int().min(100),
    'connect-rate': z.coerce.number().positive(),
    workers: z.coerce.number().int().min(1).max(64),
    'link-timeout-seconds': z.coerce.number().int().min(10),
    'back-wait-seconds': z.coerce.number().int().min(0),
    'flat-kib-per-link-hour': z.coerce.number().positive(),
    'heap-snapshots': z.boolean(),
    against: z.enum(['console', 'baseline'], 'is console (the default) or baseline (the bare socket.io server over the same mutual TLS)'),
  })
  .parse(values);


interface Sample {
  minute: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  codeSpaceBytes: number;
  databaseRssBytes: number;
  links: number;
  linkedOnce: number;
  fleetConnected: number;
  dropped: number;
  reconnected: number;
  eventLoopMaxMs: number;
  eventLoopP99Ms: number;
  warnings: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Rejects with `failure` if `work` has not settled within `ms` (a child that dies before `ready` never answers). */
const within = <T>(work: Promise<T>, ms: number, failure: string) =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(failure)), ms).unref())]);
const masterKeyFile = (directory: string) => path.join(directory, '..', `${path.basename(directory)}.master.key`);
const kib = (bytes: number) => Math.round(bytes / 1024);
const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

/** Least-squares slope of y over x, and its standard error (0 with fewer than three points). */
function leastSquares(points: Array<{ x: number; y: number }>): { slope: number; standardError: number } {
  const n = points.length;
  if (n < 2) return { slope: 0, standardError: Infinity };
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / n;
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / n;
  const sxx = points.reduce((sum, point) => sum + (point.x - meanX) ** 2, 0);
  if (sxx === 0) return { slope: 0, standardError: Infinity };
  const slope = points.reduce((sum, point) => sum + (point.x - meanX) * (point.y - meanY), 0) / sxx;
  if (n < 3) return { slope, standardError: Infinity };
  const residuals = points.reduce((sum, point) => sum + (point.y - meanY - slope * (point.x - meanX)) ** 2, 0);
  return { slope, standardError: Math.sqrt(residuals / (n - 2) / sxx) };
}

type Flatness = 'flat' | 'grows' | 'inconclusive';

function flatness(slopeKiBPerMinute: number, standardError: number, budgetKiBPerMinute: number): Flatness {
  if (slopeKiBPerMinute + 2 * standardError <= budgetKiBPerMinute) return 'flat';
  if (slopeKiBPerMinute - 2 * standardError > 0 && slopeKiBPerMinute > budgetKiBPerMinute) return 'grows';
  return 'inconclusive';
}

const resultsDir = path.join(here, 'results');
await mkdir(resultsDir, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const dataDir = await makeTempDir('soak');
const consoleChild = startBenchChild(path.join(here, 'soak-console.ts'), [dataDir], { GARRISON_LINK_HEALTH_INTERVAL_MS: String(options['heartbeat-ms']) });
// Set inside switchToBaseline: typed by its initialiser so the finally block does not narrow it to null.
let baselineChild = null as BenchChild | null;
/** The process measured: the console, or the baseline server once it has taken over the link port. */
let measured: BenchChild = consoleChild;
const memory = async (): Promise<Answer> => measured.ask({ kind: 'memory' }, 'memory');
const results: Record<string, unknown> = { at: new Date().toISOString(), node: process.version, against: options.against, options };
const samples: Sample[] = [];
const snapshots: string[] = [];
let fleet: RunningFleet | null = null;
let exitCode = 0;
/** The console's data directory, which the baseline uses after it (so the console keeps it as it stops). */
const removeData = async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(masterKeyFile(dataDir), { force: true });
};
// Ctrl-C or SIGTERM: close every link, stop the console (and baseline) and remove their folders before exiting.
const interrupt = () => {
  console.error('interrupted: stopping the fleet and the console…');
  void Promise.allSettled([fleet?.stop(), consoleChild.stop(), baselineChild?.stop()])
    .then(removeData)
    .then(() => process.exit(130));
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);
try {
  const ready = await consoleChild.ready;
  const consoleIdle = options.against === 'console' ? await idleConsole() : null;
  console.error(`linking ${options.sensors} sensors to the console (churn ${options.churn}/min from the start)…`);

  const linkingStartedAt = performance.now();
  fleet = await startFleet(
    {
      sensors: options.sensors,
      'connect-rate': options['connect-rate'],
      churn: options.churn,
      'silent-deaths': 0,
      workers: options.workers,
      'connection-string': String(ready.connectionString),
      'shared-key': true,
      'status-every-ms': 30_000,
    },
    (line) => console.error(`  ${line}`),
  );
  // Linking: until every sensor has linked at least once.
  for (;;) {
    const answer = await consoleChild.ask({ kind: 'links' }, 'links');
    if (Number(answer.linkedOnce) >= options.sensors) break;
    if (performance.now() - linkingStartedAt > options['link-timeout-seconds'] * 1000) throw new Error(`only ${String(answer.linkedOnce)} of ${options.sensors} sensors linked within ${options['link-timeout-seconds']} s`);
    await sleep(5000);
  }
  results.linkAllSeconds = Math.round((performance.now() - linkingStartedAt) / 1000);
  console.error(`every sensor linked once after ${String(results.linkAllSeconds)} s`);
  const idle = consoleIdle ?? (await switchToBaseline(Number(ready.linkPort)));
  console.error(`soaking the ${options.against} for ${options.minutes} min, a sample every ${options['sample-seconds']} s…`);

  const soakStartedAt = performance.now();
  const soakMs = options.minutes * 60_000;
  const fleetConnected = () => fleet?.counts().connected ?? 0;
  for (let due = 0; due <= soakMs; due += options['sample-seconds'] * 1000) {
    await sleep(Math.max(0, soakStartedAt + due - performance.now()));
    const answer = await memory();
    const sample: Sample = {
      minute: Math.round(((performance.now() - soakStartedAt) / 60_000) * 100) / 100,
      rssBytes: Number(answer.rssBytes),
      heapUsedBytes: Number(answer.heapUsedBytes),
      externalBytes: Number(answer.externalBytes),
      arrayBuffersBytes: Number(answer.arrayBuffersBytes),
      codeSpaceBytes: Number(answer.codeSpaceBytes),
      databaseRssBytes: Number(answer.databaseRssBytes),
      links: Number(answer.links),
      linkedOnce: Number(answer.linkedOnce),
      fleetConnected: fleetConnected(),
      dropped: Number(answer.dropped),
      reconnected: Number(answer.reconnected),
      eventLoopMaxMs: Math.round(Number(answer.eventLoopMaxMs)),
      eventLoopP99Ms: Math.round(Number(answer.eventLoopP99Ms)),
      warnings: (answer.warnings as string[]).length,
    };
    for (const line of (answer.warnings as string[]).slice(0, 3)) console.error(`    ${options.against}: ${line.slice(0, 300)}`);
    samples.push(sample);
    console.error(
      `  ${sample.minute.toFixed(1).padStart(5)} min  RSS ${mib(sample.rssBytes)} MiB  heap ${mib(sample.heapUsedBytes)} MiB (code ${mib(sample.codeSpaceBytes)})  external ${mib(sample.externalBytes)} MiB  db ${mib(sample.databaseRssBytes)} MiB  ` +
        `links ${sample.links}/${options.sensors}  dropped ${sample.dropped}  back ${sample.reconnected}  loop max ${sample.eventLoopMaxMs} ms`,
    );
    const warmUpEnded = due >= soakMs * WARM_UP_SHARE && snapshots.length === 0;
    if (options['heap-snapshots'] && (warmUpEnded || due + options['sample-seconds'] * 1000 > soakMs)) {
      const file = path.join(resultsDir, `churn-soak-${stamp}-${snapshots.length === 0 ? 'warm' : 'end'}.heapsnapshot`);
      snapshots.push(String((await measured.ask({ kind: 'heap-snapshot', file }, 'heap-snapshot')).file));
      console.error(`  heap snapshot: ${path.relative(process.cwd(), file)}`);
    }
  }
  const away = await measured.ask({ kind: 'left-behind', waitMs: options['back-wait-seconds'] * 1000 }, 'left-behind');
  results.leftBehind = { awayAtEnd: away.awayAtEnd, stillAway: away.stillAway, examples: away.examples };
  results.fleetFailed = (fleet.counts().failed ?? 0) + (fleet.counts()['enrol-failed'] ?? 0);
  Object.assign(results, summarise(idle, samples, Number(away.stillAway)));
  if (snapshots.length === 2 && snapshots[0] && snapshots[1]) {
    const growth = await compareHeapSnapshots(snapshots[0], snapshots[1]);
    results.heapGrowth = growth;
    console.log(`\nwhat grew on the heap from the end of the warm-up to the end:\n${formatHeapGrowth(growth)}`);
  }
} catch (error) {
  results.failed = (error as Error).message.split('\n')[0] ?? 'unknown';
  exitCode = 1;
} finally {
  await fleet?.stop();
  await consoleChild.stop();
  await baselineChild?.stop();
  await removeData();
}

/**
 * The console's idle memory: the lowest of a few samples once start-up has settled (its garbage and freed pages
 * go back slowly), so per-link figures err high, not low.
 */
async function idleConsole(): Promise<Answer> {
  await sleep(IDLE_SETTLE_MS);
  const idleSamples: Answer[] = [];
  for (let index = 0; index < 3; index += 1) {
    if (index > 0) await sleep(5000);
    idleSamples.push(await memory());
  }
  const lowest = (key: string) => Math.min(...idleSamples.map((sample) => Number(sample[key])));
  const idle: Answer = { rssBytes: lowest('rssBytes'), heapUsedBytes: lowest('heapUsedBytes'), databaseRssBytes: lowest('databaseRssBytes') };
  results.idle = { rssMiB: mib(Number(idle.rssBytes)), heapUsedMiB: mib(Number(idle.heapUsedBytes)), databaseRssMiB: mib(Number(idle.databaseRssBytes)) };
  console.error(`idle console: RSS ${mib(Number(idle.rssBytes))} MiB, heap ${mib(Number(idle.heapUsedBytes))} MiB`);
  return idle;
}

/**
 * --against baseline: stops the console (keeping its data) and starts the baseline server on its link port and
 * data directory (its CA, server certificate and master key); the fleet's LinkClients come back by themselves. Returns the baseline's idle memory: one sample as soon as it listens, while the sensors are
 * already reconnecting, so it errs high (per-link figures err low). Waits until 95 % of the fleet shows linked.
 */
async function switchToBaseline(linkPort: number): Promise<Answer> {
  console.error(`stopping the console; the baseline server takes over its link port ${linkPort}…`);
  await consoleChild.stop({ removeData: false });
  const child = startBenchChild(path.join(here, 'soak-baseline-server.ts'), [dataDir, String(linkPort), String(options['heartbeat-ms']), String(options.sensors)]);
  baselineChild = child;
  await within(child.ready, BASELINE_START_TIMEOUT_MS, `the baseline server did not listen on port ${linkPort} within ${BASELINE_START_TIMEOUT_MS / 1000} s`);
  measured = child;
  const idle = await memory();
  results.idle = { rssMiB: mib(Number(idle.rssBytes)), heapUsedMiB: mib(Number(idle.heapUsedBytes)), databaseRssMiB: 0 };
  const wanted = Math.ceil(options.sensors * BASELINE_LINKED_SHARE);
  console.error(`idle baseline (sensors already reconnecting): RSS ${mib(Number(idle.rssBytes))} MiB, heap ${mib(Number(idle.heapUsedBytes))} MiB; waiting for ${wanted} links…`);
  const startedAt = performance.now();
  for (;;) {
    const answer = await child.ask({ kind: 'links' }, 'links');
    if (Number(answer.links) >= wanted) break;
    if (performance.now() - startedAt > options['link-timeout-seconds'] * 1000) throw new Error(`only ${String(answer.links)} of ${options.sensors} sensors linked to the baseline within ${options['link-timeout-seconds']} s`);
    await sleep(2000);
  }
  results.baselineLinkedSeconds = Math.round((performance.now() - startedAt) / 1000);
  console.error(`${wanted} of ${options.sensors} sensors linked to the baseline after ${String(results.baselineLinkedSeconds)} s`);
  return idle;
}

function summarise(idle: Answer, all: Sample[], stillAway: number): Record<string, unknown> {
  const first = all[0];
  const last = all.at(-1);
  if (!first || !last) return {};
  const perLink = (sample: Sample, key: 'rssBytes' | 'heapUsedBytes') => kib((sample[key] - Number(idle[key])) / Math.max(1, sample.links));
  const afterWarmUp = all.filter((sample) => sample.minute >= last.minute * WARM_UP_SHARE);
  const lastHalf = all.filter((sample) => sample.minute >= last.minute / 2);
  const slope = (bytes: (sample: Sample) => number, over = afterWarmUp) => {
    const fit = leastSquares(over.map((sample) => ({ x: sample.minute, y: bytes(sample) / 1024 })));
    return { kibPerMinute: Math.round(fit.slope * 10) / 10, standardErrorKiBPerMinute: Math.round(fit.standardError * 10) / 10 };
  };
  const budgetKiBPerMinute = Math.round(((options['flat-kib-per-link-hour'] * options.sensors) / 60) * 10) / 10;
  const heapSlope = slope((sample) => sample.heapUsedBytes);
  const rssSlope = slope((sample) => sample.rssBytes);
  // Informative, not judged: the heap without compiled code, which keeps growing for a while as the JIT warms up.
  const heapWithoutCodeSlope = slope((sample) => sample.heapUsedBytes - sample.codeSpaceBytes);
  const summary = {
    soakMinutes: last.minute,
    samples: all.length,
    samplesAfterWarmUp: afterWarmUp.length,
    linksAtStart: first.links,
    linksAtEnd: last.links,
    churnDropped: last.dropped - first.dropped,
    churnReconnected: last.reconnected - first.reconnected,
    rssPerLinkKiBStart: perLink(first, 'rssBytes'),
    rssPerLinkKiBEnd: perLink(last, 'rssBytes'),
    heapPerLinkKiBStart: perLink(first, 'heapUsedBytes'),
    heapPerLinkKiBEnd: perLink(last, 'heapUsedBytes'),
    rssGrowthMiB: mib(last.rssBytes - first.rssBytes),
    heapGrowthMiB: mib(last.heapUsedBytes - first.heapUsedBytes),
    externalGrowthMiB: mib(last.externalBytes - first.externalBytes),
    databaseRssGrowthMiB: mib(last.databaseRssBytes - first.databaseRssBytes),
    heapSlopeKiBPerMinute: heapSlope.kibPerMinute,
    heapSlopeStandardError: heapSlope.standardErrorKiBPerMinute,
    heapWithoutCodeSlopeKiBPerMinute: heapWithoutCodeSlope.kibPerMinute,
    // Informative: a warm-up slows down (last half well below the whole), a leak keeps its pace.
    heapSlopeLastHalfKiBPerMinute: slope((sample) => sample.heapUsedBytes, lastHalf).kibPerMinute,
    rssSlopeLastHalfKiBPerMinute: slope((sample) => sample.rssBytes, lastHalf).kibPerMinute,
    codeSpaceGrowthMiB: mib(last.codeSpaceBytes - first.codeSpaceBytes),
    rssSlopeKiBPerMinute: rssSlope.kibPerMinute,
    rssSlopeStandardError: rssSlope.standardErrorKiBPerMinute,
    flatBudgetKiBPerMinute: budgetKiBPerMinute,
    heapFlatness: flatness(heapSlope.kibPerMinute, heapSlope.standardErrorKiBPerMinute, budgetKiBPerMinute),
    // Writing a heap snapshot leaves the process's RSS hundreds of MiB higher (the allocator keeps the pages): RSS is not judged then.
    rssFlatness: options['heap-snapshots'] ? 'not judged (heap snapshots)' : flatness(rssSlope.kibPerMinute, rssSlope.standardErrorKiBPerMinute, budgetKiBPerMinute),
    // The first sample's delay covers the linking (enrolment and TLS handshakes), not the soak.
    linkingEventLoopMaxMs: first.eventLoopMaxMs,
    eventLoopMaxMs: Math.max(...all.slice(1).map((sample) => sample.eventLoopMaxMs), 0),
    eventLoopP99MaxMs: Math.max(...all.slice(1).map((sample) => sample.eventLoopP99Ms), 0),
    sensorsLeftBehind: stillAway,
  };
  const perLinkOk = Math.max(summary.rssPerLinkKiBStart, options['heap-snapshots'] ? 0 : summary.rssPerLinkKiBEnd) <= TARGET_KIB_PER_LINK;
  const flats: string[] = [summary.heapFlatness, summary.rssFlatness];
  const verdict =
    !perLinkOk || flats.includes('grows') || stillAway > 0 ? 'FAIL' : flats.includes('inconclusive') ? 'INCONCLUSIVE' : 'PASS';
  return {
    ...summary,
    verdict:
      `${verdict}: RSS per link ${summary.rssPerLinkKiBStart} → ${summary.rssPerLinkKiBEnd} KiB (target ≤ ${TARGET_KIB_PER_LINK}); ` +
      `heap ${heapSlope.kibPerMinute} ± ${Math.round(20 * heapSlope.standardErrorKiBPerMinute) / 10} KiB/min (${summary.heapFlatness}), ` +
      `RSS ${rssSlope.kibPerMinute} ± ${Math.round(20 * rssSlope.standardErrorKiBPerMinute) / 10} KiB/min (${summary.rssFlatness}) vs a leak budget of ${budgetKiBPerMinute} KiB/min; ` +
      `${stillAway} sensor(s) left behind`,
  };
}

const table = Object.entries(results)
  .filter(([, value]) => typeof value !== 'object' || value === null)
  .map(([metric, value]) => `  ${metric.padEnd(34)} ${String(value)}`);
console.log(`\nchurn soak\n${table.join('\n')}`);
if (results.leftBehind) console.log(`  ${'leftBehind'.padEnd(34)} ${JSON.stringify(results.leftBehind)}`);
const file = path.join(resultsDir, `churn-soak-${stamp}.json`);
await writeFile(
  file,
  `${JSON.stringify({ ...results, samples: samples.map((sample) => ({ ...sample, rssMiB: mib(sample.rssBytes), heapUsedMiB: mib(sample.heapUsedBytes) })) }, null, 2)}\n`,
);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
process.exit(exitCode);
