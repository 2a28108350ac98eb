/**
 * Zone settings push at fleet scale (issue #4 "Measure and report", issue #10
 * target 3): N real sensor-link sensors in one zone, an NTP change PUT to the
 * zone over REST, and per sensor the time from that API call until the console
 * has stored the sensor's acknowledgement (the apply result is published after
 * it is stored, so it is visible in the drift report).
 *
 *   node --import tsx --expose-gc test/bench/settings-push-bench.ts --sensors 100,1000,5000 [--apply files|memory] [--sensor-folders tmpfs|disk] [--give-up-after S]
 *
 * The sensors run in this process with the real enrolment, LinkClient and
 * settings-apply code; `--apply files` (default) applies through the
 * reference DirectoryCore, writing real chrony, time zone and JSON files per
 * sensor; `--apply memory` swaps only the core's applySettings for a no-op
 * (validation, the applied-revision state file and the ack stay real) to show
 * what the files cost. The console runs in a child process
 * (settings-push-bench-console.ts): its CPU time (node + embedded FerretDB, from
 * /proc) and memory are its own. Rounds go up in N, linking more sensors each
 * round; every round pushes to all linked sensors. Linking or a push that has
 * not finished within `--give-up-after` seconds (default 900) ends the rounds.
 *
 * Then the same sensors link to a bare baseline (settings-push-baseline.ts: a
 * socket.io server over the same mutual TLS, no database) which emits one
 * `settings:apply` with ack to all of them; Garrison / baseline compares the
 * time until all acknowledged. Each round pushes twice on both sides and
 * measures the second push (see settings-push-rounds.ts). Prints a table and writes JSON under
 * test/bench/results/.
 *
 * The rounds themselves are settings-push-rounds.ts, shared with the `scale`
 * scenario.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { latencySummary, runPushRounds, sensorFoldersSchema, type GarrisonPush, type PushMeasure, type Round } from './settings-push-rounds.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    sensors: { type: 'string', default: '100,1000' },
    apply: { type: 'string', default: 'files' },
    'sensor-folders': { type: 'string', default: 'tmpfs' },
    'give-up-after': { type: 'string', default: '900' },
  },
});
const rounds = z
  .array(z.coerce.number().int().min(1).max(20_000))
  .min(1)
  .parse(values.sensors.split(','))
  .sort((a, b) => a - b);
const applyMode = z.enum(['files', 'memory']).parse(values.apply);
const sensorFolders = sensorFoldersSchema.parse(values['sensor-folders']);
const giveUpAfterMs = z.coerce.number().positive().parse(values['give-up-after']) * 1000;

const measured = await runPushRounds({ rounds, applyMode, sensorFolders, giveUpAfterMs });
const perSensor = (micros: number, count: number) => Math.round(micros / count);

/** The row every round shares; the push columns only where the round got to push. */
function rowOf(target: string, round: Round): Record<string, number | string> {
  const row: Record<string, number | string> = { target, sensors: round.sensors, apply: applyMode, folders: sensorFolders };
  if (round.push) {
    Object.assign(row, latencySummary(round.push.latenciesMs), { failed: round.push.failed });
  }
  if (round.firstPushMaxMs !== undefined) row.firstPushMaxMs = round.firstPushMaxMs;
  return round.notReached ? { ...row, notReached: round.notReached } : row;
}

function garrisonRow(round: Round<GarrisonPush>): Record<string, number | string> {
  const row = rowOf('garrison', round);
  const push = round.push;
  if (push) {
    Object.assign(row, {
      apiResponseMs: push.apiResponseMs,
      // The push proper: from the PUT's response (the save is done) until the last ack was stored.
      allAfterResponseMs: Math.round(Math.max(...push.latenciesMs) - push.apiResponseMs),
      consoleCpuPerSensorUs: perSensor(push.serverCpuMicros, round.sensors),
      databaseCpuPerSensorUs: perSensor(push.databaseCpuMicros, round.sensors),
      sensorsCpuPerSensorUs: perSensor(push.sensorsCpuMicros, round.sensors),
    });
  }
  if (round.memory) {
    row.consoleRssMiB = Math.round(round.memory.rssBytes / 1048576);
    row.consoleHeapPerLinkKiB = Math.round((round.memory.heapUsedBytes - measured.garrison.idle.heapUsedBytes) / round.linked / 1024);
  }
  return push?.chronyUpdated ? { ...row, chronyUpdated: push.chronyUpdated } : row;
}

function baselineRow(round: Round<PushMeasure>): Record<string, number | string> {
  const row = rowOf('baseline', round);
  if (round.push) Object.assign(row, { consoleCpuPerSensorUs: perSensor(round.push.serverCpuMicros, round.sensors), sensorsCpuPerSensorUs: perSensor(round.push.sensorsCpuMicros, round.sensors) });
  return row;
}

const results = [...measured.garrison.rounds.map(garrisonRow), ...measured.baseline.rounds.map(baselineRow)];

// Garrison / baseline for the time until all acknowledged: 1 means as fast as the bare server, higher is better.
const complete = (entry: Record<string, number | string>) => entry.notReached === undefined && entry.maxMs !== undefined;
for (const row of results.filter((entry) => entry.target === 'garrison' && complete(entry))) {
  const baseline = results.find((entry) => entry.target === 'baseline' && entry.sensors === row.sensors && complete(entry));
  if (baseline) row.vsBaseline = Math.round((Number(baseline.maxMs) / Number(row.maxMs)) * 100) / 100;
}
const columns = ['target', 'sensors', 'apply', 'folders', 'firstPushMaxMs', 'acked', 'failed', 'p50Ms', 'p99Ms', 'maxMs', 'apiResponseMs', 'allAfterResponseMs', 'consoleCpuPerSensorUs', 'databaseCpuPerSensorUs', 'sensorsCpuPerSensorUs', 'consoleRssMiB', 'vsBaseline'];
const lines = [columns.join('  '), ...results.map((row) => columns.map((column) => String(row[column] ?? '-').padStart(column.length)).join('  '))];
console.log(`\nsettings push bench (firstPushMaxMs = the round's first push, its new sensors' first settings; then the measured push to sensors that hold settings: max = time until all acknowledged; vsBaseline = baseline max / Garrison max)\n${lines.join('\n')}`);
const resultsDir = path.join(here, 'results');
await mkdir(resultsDir, { recursive: true });
const file = path.join(resultsDir, `settings-push-bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), node: process.version, rounds: results }, null, 2)}\n`);
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
process.exit(0);
