/**
 * The `scale` scenario's chart (scale-bench.ts): console memory above idle per
 * link and zone push p99 against the number of linked sensors, Garrison next
 * to the bare baseline and the issue #10 targets. A round not reached (not
 * all N linked, or not all acknowledged) has no point there, which the chart
 * writer marks; the table keeps the partial numbers.
 */
import type { ChartPoint, LineChart } from './svg-chart.js';

/** One row of the scale table: `sensors` and the measured columns by name. */
export type ScaleRow = Record<string, number | string>;

/** Issue #10 targets: memory per link above idle; zone push p99 at 1,000 and 5,000 sensors. */
const MEMORY_TARGET_KIB = 150;
const PUSH_TARGET_MS: Record<number, number> = { 1000: 2000, 5000: 5000 };
/** Garrison in blues, the baseline in orange, targets grey, the same in both panels. */
const COLOR = { garrison: '#1f6fb4', garrisonHeap: '#7fb3e0', baseline: '#e07b12', target: '#888888' };

const valueOf = (row: ScaleRow, key: string): number | null => (typeof row[key] === 'number' && Number.isFinite(row[key]) ? row[key] : null);

/** Where and how the run was made, for the subtitle. */
export interface ScaleRun {
  at: Date;
  machine: { cores: number; cpuModel: string; loadAverage: number[] };
  applyMode: string;
  sensorFolders: string;
  giveUpAfterSeconds: number;
}

type Target = 'garrison' | 'baseline';

/** The chart of a scale run's rows (see scale-bench.ts for the columns). */
export function scaleChart(rows: ScaleRow[], run: ScaleRun): LineChart {
  // A push point only where every sensor acknowledged; a memory point only where all N were linked.
  const pushed = (row: ScaleRow, target: Target) => row[target === 'garrison' ? 'reached' : 'baselineReached'] === 'yes';
  const linked = (row: ScaleRow, target: Target) => row[target === 'garrison' ? 'linked' : 'baselineLinked'] === row.sensors;
  const points = (key: string, target: Target, shown: (row: ScaleRow, target: Target) => boolean): ChartPoint[] =>
    rows.map((row) => ({ x: Number(row.sensors), y: shown(row, target) ? valueOf(row, key) : null }));
  const { at, machine } = run;
  return {
    title: 'Garrison at scale: console memory and zone push time vs sensors linked',
    subtitle: `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC · ${machine.cores} cores (${machine.cpuModel}) · load ${machine.loadAverage[0]?.toFixed(1)} at the end · apply ${run.applyMode}, sensor folders on ${run.sensorFolders} · give up after ${run.giveUpAfterSeconds} s`,
    xLabel: 'sensors linked (N)',
    xValues: rows.map((row) => Number(row.sensors)),
    panels: [
      {
        title: 'Memory above idle per link (after full GC)',
        yLabel: 'KiB per link',
        series: [
          { name: 'Garrison RSS', points: points('rssPerLinkKiB', 'garrison', linked), color: COLOR.garrison },
          { name: 'Garrison heap', points: points('heapPerLinkKiB', 'garrison', linked), color: COLOR.garrisonHeap },
          { name: 'bare baseline RSS', points: points('baselineRssPerLinkKiB', 'baseline', linked), color: COLOR.baseline },
          { name: `target ≤ ${MEMORY_TARGET_KIB} KiB`, points: rows.map((row) => ({ x: Number(row.sensors), y: MEMORY_TARGET_KIB })), dashed: true, color: COLOR.target },
        ],
      },
      {
        title: 'Zone push: p99 until acknowledgement stored',
        yLabel: 'p99 ms from the PUT',
        series: [
          { name: 'Garrison p99', points: points('p99Ms', 'garrison', pushed), color: COLOR.garrison },
          { name: 'bare baseline p99', points: points('baselineP99Ms', 'baseline', pushed), color: COLOR.baseline },
          {
            name: 'target (2 s at 1,000; 5 s at 5,000)',
            points: rows.flatMap((row) => (PUSH_TARGET_MS[Number(row.sensors)] ? [{ x: Number(row.sensors), y: PUSH_TARGET_MS[Number(row.sensors)] ?? null }] : [])),
            dashed: true,
            color: COLOR.target,
          },
        ],
      },
    ],
  };
}

