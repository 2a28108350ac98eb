/**
 * How console memory and zone push time grow with the number of linked sensors
 * (issue #10: targets 2 and 3, and the chart): for N in `--sensors` (default
 * 500,1000,2000,5000), N real sensor-link sensors linked to one console and
 * placed in one zone, then per N
 *   - console memory above idle per link, RSS and heap after a full GC
 *     (linked and settled, before the push),
 *   - the zone push: p50, p99 and all acknowledged, from the PUT until each
 *     acknowledgement is stored,
 *   - time to link all N (sensors are linked in waves of 50 as the rounds go
 *     up, so this is the sum of the rounds' linking times, not a storm),
 *   - the same sensors against the bare socket.io baseline: its memory per
 *     link, push times and linking time.
 * A round whose linking or push has not finished within `--give-up-after`
 * seconds (default 900) is reported as not reached, and larger rounds are not
 * tried; the chart marks them.
 *
 *   npm run bench -- scale [--sensors 500,1000,2000,5000] [--apply files|memory] [--sensor-folders tmpfs|disk] [--give-up-after S]
 *
 * Prints a table and writes scale-<timestamp>.json and scale-<timestamp>.svg
 * (scale-chart.ts, drawn by svg-chart.ts) under test/bench/results/. The
 * rounds are the settings-push scenario's (settings-push-rounds.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { latencySummary, perLinkKiB, runPushRounds, sensorFoldersSchema, type MemorySample, type PushMeasure, type PushRounds, type Round } from './settings-push-rounds.js';
import { scaleChart, type ScaleRow } from './scale-chart.js';
import { lineChartSvg } from './svg-chart.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sensors: { type: 'string', default: '500,1000,2000,5000' },
    apply: { type: 'string', default: 'files' },
    'sensor-folders': { type: 'string', default: 'tmpfs' },
    'give-up-after': { type: 'string', default: '900' },
  },
});
const rounds = [
  ...new Set(
    z
      .array(z.coerce.number().int().min(1).max(20_000))
      .min(1)
      .parse(values.sensors.split(',')),
  ),
].sort((a, b) => a - b);
const applyMode = z.enum(['files', 'memory']).parse(values.apply);
const sensorFolders = sensorFoldersSchema.parse(values['sensor-folders']);
const giveUpAfterSeconds = z.coerce.number().positive().parse(values['give-up-after']);

/** One target's numbers for one N, prefixed (`baseline…`) for the baseline; empty when the round was not tried. */
function measuresOf(round: Round<PushMeasure> | undefined, idle: MemorySample, prefix: string): ScaleRow {
  if (!round) return {};
  const name = (key: string) => (prefix === '' ? key : `${prefix}${key[0]?.toUpperCase()}${key.slice(1)}`);
  const push = round.push ? latencySummary(round.push.latenciesMs) : null;
  const measures: ScaleRow = { linked: round.linked, linkAllMs: round.linkAllMs, ...perLinkKiB(round.memory, idle, round.linked) };
  if (push) Object.assign(measures, { acked: push.acked, p50Ms: push.p50Ms, p99Ms: push.p99Ms, allAckedMs: round.reached ? push.maxMs : Number.NaN });
  if (round.push) measures.failed = round.push.failed;
  return Object.fromEntries(Object.entries(measures).map(([key, value]) => [name(key), value]));
}

function rowsOf(measured: PushRounds): ScaleRow[] {
  const firstMissed = measured.garrison.rounds.find((round) => !round.reached);
  return rounds.map((sensors) => {
    const garrison = measured.garrison.rounds.find((round) => round.sensors === sensors);
    const baseline = measured.baseline.rounds.find((round) => round.sensors === sensors);
    const row: ScaleRow = {
      sensors,
      reached: garrison?.reached ? 'yes' : 'no',
      baselineReached: baseline?.reached ? 'yes' : 'no',
      ...measuresOf(garrison, measured.garrison.idle, ''),
      ...measuresOf(baseline, measured.baseline.idle, 'baseline'),
    };
    // Baseline all-acknowledged / Garrison's: 1 means as fast as the bare server, higher is better.
    if (garrison?.reached && baseline?.reached) row.pushVsBaseline = Math.round((Number(row.baselineAllAckedMs) / Number(row.allAckedMs)) * 100) / 100;
    if (!garrison) row.notReached = `not tried: ${firstMissed?.sensors ?? '?'} did not converge`;
    else if (garrison.notReached) row.notReached = garrison.notReached;
    if (baseline?.notReached) row.baselineNotReached = baseline.notReached;
    return row;
  });
}

const measured = await runPushRounds({ rounds, applyMode, sensorFolders, giveUpAfterMs: giveUpAfterSeconds * 1000 });
const rows = rowsOf(measured);
const columns = ['sensors', 'reached', 'linkAllMs', 'rssPerLinkKiB', 'heapPerLinkKiB', 'p50Ms', 'p99Ms', 'allAckedMs', 'failed', 'baselineLinkAllMs', 'baselineRssPerLinkKiB', 'baselineP99Ms', 'baselineAllAckedMs', 'pushVsBaseline'];
const cell = (value: number | string | undefined) => (value === undefined || (typeof value === 'number' && Number.isNaN(value)) ? '-' : String(value));
const lines = [columns.join('  '), ...rows.map((row) => columns.map((column) => cell(row[column]).padStart(column.length)).join('  '))];
const notes = rows.flatMap((row) => [row.notReached, row.baselineNotReached].filter(Boolean).map((note) => `  N=${row.sensors}: ${String(note)}`));
console.log(`\nscale bench (memory above idle after a full GC; push times from the PUT; pushVsBaseline = baseline all-acked / Garrison all-acked)\n${lines.join('\n')}${notes.length > 0 ? `\nnot reached:\n${notes.join('\n')}` : ''}`);

const at = new Date();
const resultsDir = path.join(here, 'results');
await mkdir(resultsDir, { recursive: true });
const stem = path.join(resultsDir, `scale-${at.toISOString().replace(/[:.]/g, '-')}`);
const machine = { cores: os.cpus().length, cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown CPU', totalMemoryMiB: Math.round(os.totalmem() / 1048576), loadAverage: os.loadavg() };
const idle = { garrison: measured.garrison.idle, baseline: measured.baseline.idle };
await writeFile(`${stem}.json`, `${JSON.stringify({ at: at.toISOString(), node: process.version, machine, applyMode, sensorFolders, giveUpAfterSeconds, idle, rounds: rows }, (_, value: unknown) => (typeof value === 'number' && Number.isNaN(value) ? null : value), 2)}\n`);
await writeFile(`${stem}.svg`, lineChartSvg(scaleChart(rows, { at, machine, applyMode, sensorFolders, giveUpAfterSeconds })));
console.log(`\nwritten to ${path.relative(process.cwd(), stem)}.json and .svg`);
process.exit(0);
