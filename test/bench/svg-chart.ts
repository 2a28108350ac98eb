/**
 * A small dependency-free SVG line chart for the benchmark results: one or
 * more panels side by side sharing the x values (sensor counts), each with its
 * own y axis, gridlines, unit label and legend. A point whose value is missing
 * (`null` or not finite: the round was not reached) breaks its line and is
 * marked with a cross on the zero line labelled "not reached".
 *
 * The x axis is logarithmic when the values span a factor of 4 or more (500 …
 * 5,000 would otherwise crowd the small counts; the x label then says so),
 * linear otherwise; the y axis always includes zero. Every point is a <circle> with data-series, data-x and data-y, and a
 * <title> for a tooltip, so tests and readers can find it again.
 */

export interface ChartPoint {
  x: number;
  /** `null` (or NaN) when this x was not reached. */
  y: number | null;
}

export interface ChartSeries {
  name: string;
  points: ChartPoint[];
  /** Dashed, thin and without markers: a target or limit rather than a measurement. */
  dashed?: boolean;
  color?: string;
}

export interface ChartPanel {
  title: string;
  /** The y axis label, with its unit: "memory per link (KiB)". */
  yLabel: string;
  series: ChartSeries[];
}

export interface LineChart {
  title: string;
  subtitle?: string;
  /** The x axis label, with its unit. */
  xLabel: string;
  /** Every x that has a tick, ascending. */
  xValues: number[];
  panels: ChartPanel[];
}

const PANEL_WIDTH = 480;
const PANEL_HEIGHT = 420;
const HEADER_HEIGHT = 64;
const MARGIN = { left: 72, right: 24, top: 36, bottom: 110 };
const PALETTE = ['#1f6fb4', '#e07b12', '#2c9f4b', '#8d5ab8', '#c23b3b'];
const MISSING_COLOR = '#c23b3b';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

/** Text and attribute values with the five XML specials escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[character] ?? character);
}

/** 1,234.5 style: thousands separated, at most one decimal below 100. */
export function formatNumber(value: number): string {
  const digits = Math.abs(value) < 100 && !Number.isInteger(value) ? 1 : 0;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * Round axis ends around [low, high] (always including zero) with about
 * `ticks` steps of 1, 2, 2.5 or 5 × 10^k. Values can be negative: an RSS
 * delta of a few hundred links can be, when the allocator gave memory back.
 */
export function niceScale(low: number, high: number, ticks = 5): { min: number; max: number; step: number } {
  const from = Math.min(0, low);
  const to = Math.max(0, high);
  if (!(to > from)) return { min: 0, max: 1, step: 0.2 };
  const rough = (to - from) / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 2.5, 5, 10].find((factor) => factor * magnitude >= rough) ?? 10) * magnitude;
  return { min: Math.floor(from / step + 1e-9) * step, max: Math.ceil(to / step - 1e-9) * step, step };
}

const logarithmicFor = (xValues: number[]) => (xValues[0] ?? 0) > 0 && (xValues.at(-1) ?? 0) / (xValues[0] ?? 1) >= 4;

const isValue = (y: number | null): y is number => y !== null && Number.isFinite(y);
const round1 = (value: number) => Math.round(value * 10) / 10;

function xScale(xValues: number[], left: number, width: number): (x: number) => number {
  const low = xValues[0] ?? 0;
  const high = xValues.at(-1) ?? 1;
  if (high <= low) return () => left + width / 2;
  const project = logarithmicFor(xValues) ? Math.log : (value: number) => value;
  // Inset so the first and last points do not sit on the axes.
  const inset = width * 0.06;
  return (x) => left + inset + ((project(x) - project(low)) / (project(high) - project(low))) * (width - 2 * inset);
}

function panelSvg(chart: LineChart, panel: ChartPanel, offsetX: number): string {
  const left = offsetX + MARGIN.left;
  const top = HEADER_HEIGHT + MARGIN.top;
  const width = PANEL_WIDTH - MARGIN.left - MARGIN.right;
  const height = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const bottom = top + height;
  const toX = xScale(chart.xValues, left, width);
  const values = panel.series.flatMap((series) => series.points.map((point) => point.y)).filter(isValue);
  const scale = niceScale(Math.min(...values), Math.max(...values));
  const toY = (y: number) => bottom - ((y - scale.min) / (scale.max - scale.min)) * height;
  const zeroY = round1(toY(0));
  const parts: string[] = [`<g class="panel" data-panel="${escapeXml(panel.title)}">`];

  parts.push(`<text x="${left + width / 2}" y="${top - 14}" text-anchor="middle" font-size="15" font-weight="600" ${FONT}>${escapeXml(panel.title)}</text>`);
  for (let index = 0; scale.min + index * scale.step <= scale.max + scale.step / 2; index += 1) {
    const tick = scale.min + index * scale.step;
    const y = round1(toY(tick));
    parts.push(`<line x1="${left}" x2="${left + width}" y1="${y}" y2="${y}" stroke="${Math.abs(tick) < scale.step / 2 ? '#999999' : '#e3e3e3'}" stroke-width="1"/>`);
    parts.push(`<text x="${left - 8}" y="${y + 4}" text-anchor="end" font-size="12" fill="#444" ${FONT}>${formatNumber(round1(tick))}</text>`);
  }
  for (const x of chart.xValues) {
    const at = round1(toX(x));
    parts.push(`<line x1="${at}" x2="${at}" y1="${bottom}" y2="${bottom + 5}" stroke="#444"/>`);
    parts.push(`<text x="${at}" y="${bottom + 19}" text-anchor="middle" font-size="12" fill="#444" ${FONT}>${formatNumber(x)}</text>`);
  }
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${bottom}" stroke="#444"/>`);
  parts.push(`<line x1="${left}" x2="${left + width}" y1="${bottom}" y2="${bottom}" stroke="#444"/>`);
  parts.push(`<text x="${left + width / 2}" y="${bottom + 40}" text-anchor="middle" font-size="13" ${FONT}>${escapeXml(logarithmicFor(chart.xValues) ? `${chart.xLabel}, log scale` : chart.xLabel)}</text>`);
  const yLabelX = offsetX + 18;
  const yLabelY = top + height / 2;
  parts.push(`<text x="${yLabelX}" y="${yLabelY}" transform="rotate(-90 ${yLabelX} ${yLabelY})" text-anchor="middle" font-size="13" ${FONT}>${escapeXml(panel.yLabel)}</text>`);

  const missingAt = new Set<number>();
  panel.series.forEach((series, index) => {
    const color = series.color ?? PALETTE[index % PALETTE.length];
    const name = escapeXml(series.name);
    parts.push(`<g class="series" data-series="${name}">`);
    // One polyline per run of present points: a missing point breaks the line.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) parts.push(`<polyline points="${run.join(' ')}" fill="none" stroke="${color}" stroke-width="${series.dashed ? 1.5 : 2.5}"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      run = [];
    };
    for (const point of [...series.points].sort((a, b) => a.x - b.x)) {
      const x = round1(toX(point.x));
      if (!isValue(point.y)) {
        flush();
        if (series.dashed) continue;
        missingAt.add(point.x);
        parts.push(`<g class="missing" data-series="${name}" data-x="${point.x}"><title>${name}: ${formatNumber(point.x)} not reached</title><path d="M${x - 5} ${zeroY - 5} L${x + 5} ${zeroY + 5} M${x - 5} ${zeroY + 5} L${x + 5} ${zeroY - 5}" stroke="${MISSING_COLOR}" stroke-width="2.5"/></g>`);
        continue;
      }
      const y = round1(toY(point.y));
      run.push(`${x},${y}`);
      if (!series.dashed) parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="${color}" data-series="${name}" data-x="${point.x}" data-y="${point.y}"><title>${name}: ${formatNumber(point.y)} at ${formatNumber(point.x)}</title></circle>`);
    }
    flush();
    parts.push('</g>');
  });
  for (const x of missingAt) {
    const at = round1(toX(x));
    parts.push(`<text x="${at}" y="${zeroY - 12}" text-anchor="middle" font-size="11" fill="${MISSING_COLOR}" ${FONT}>not reached</text>`);
  }
  parts.push(legendSvg(panel, left, bottom + 62, width));
  parts.push('</g>');
  return parts.join('\n');
}

/** Swatches and names in rows under the plot; a name's width is estimated from its length. */
function legendSvg(panel: ChartPanel, left: number, top: number, width: number): string {
  const parts: string[] = ['<g class="legend">'];
  let x = left;
  let y = top;
  panel.series.forEach((series, index) => {
    const color = series.color ?? PALETTE[index % PALETTE.length];
    const entryWidth = 34 + series.name.length * 6.6;
    if (x > left && x + entryWidth > left + width) {
      x = left;
      y += 18;
    }
    parts.push(`<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${color}" stroke-width="${series.dashed ? 1.5 : 2.5}"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    if (!series.dashed) parts.push(`<circle cx="${x + 11}" cy="${y}" r="3.5" fill="${color}"/>`);
    parts.push(`<text x="${x + 28}" y="${y + 4}" font-size="12" ${FONT}>${escapeXml(series.name)}</text>`);
    x += entryWidth + 12;
  });
  parts.push('</g>');
  return parts.join('\n');
}

/** The whole chart as a standalone SVG document. */
export function lineChartSvg(chart: LineChart): string {
  const width = PANEL_WIDTH * chart.panels.length;
  const height = HEADER_HEIGHT + PANEL_HEIGHT;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="28" text-anchor="middle" font-size="18" font-weight="600" ${FONT}>${escapeXml(chart.title)}</text>`,
    chart.subtitle ? `<text x="${width / 2}" y="50" text-anchor="middle" font-size="13" fill="#555" ${FONT}>${escapeXml(chart.subtitle)}</text>` : '',
    ...chart.panels.map((panel, index) => panelSvg(chart, panel, index * PANEL_WIDTH)),
    '</svg>',
    '',
  ]
    .filter((line) => line !== '')
    .join('\n')
    .concat('\n');
}
