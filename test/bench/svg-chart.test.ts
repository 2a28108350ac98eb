/**
 * The benchmark chart writer: what it writes is well-formed SVG (parsed back
 * by Chromium's XML parser), points sit where their values say, a missing
 * point breaks its line and is marked, names are escaped, and nothing is drawn
 * outside the picture.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openBrowser, type TestBrowser } from '../helpers/browser.js';
import { lineChartSvg, niceScale, type LineChart } from './svg-chart.js';

const chart: LineChart = {
  title: 'Scale <test> & "chart"',
  subtitle: '2026-12-02 · 2 cores',
  xLabel: 'sensors linked (N)',
  xValues: [500, 1000, 2000, 5000],
  panels: [
    {
      title: 'Memory per link',
      yLabel: 'KiB per link',
      series: [
        { name: 'Garrison RSS', points: [{ x: 500, y: 40 }, { x: 1000, y: 55 }, { x: 2000, y: 71.5 }, { x: 5000, y: 90 }] },
        { name: 'baseline <bare> & co', points: [{ x: 500, y: 20 }, { x: 1000, y: 21 }, { x: 2000, y: 22 }, { x: 5000, y: 23 }] },
        { name: 'target', points: [500, 1000, 2000, 5000].map((x) => ({ x, y: 150 })), dashed: true },
      ],
    },
    {
      title: 'Push p99',
      yLabel: 'p99 ms',
      series: [
        // Listed out of order: the writer places points by x, not by position in the list.
        { name: 'Garrison p99', points: [{ x: 2000, y: null }, { x: 500, y: 900 }, { x: 1000, y: 1800 }, { x: 5000, y: Number.NaN }] },
        { name: 'baseline p99', points: [{ x: 500, y: 300 }, { x: 1000, y: 500 }, { x: 2000, y: 1100 }, { x: 5000, y: 2600 }] },
      ],
    },
  ],
};

interface Parsed {
  parseError: string | null;
  rootName: string;
  circles: Array<{ series: string; x: number; y: number; cx: number; cy: number }>;
  missing: Array<{ series: string; x: number }>;
  /** Per series, how many points each of its lines joins. */
  polylines: Record<string, number[]>;
  texts: string[];
}

/**
 * Parses an SVG source with the browser's XML parser (DOMParser, image/svg+xml)
 * and reads back what was drawn. Browser-side code, kept as text: the project
 * compiles without the DOM library.
 */
const READ_BACK = `(source) => {
  const document = new DOMParser().parseFromString(source, 'image/svg+xml');
  const error = document.getElementsByTagName('parsererror')[0];
  const polylines = {};
  for (const group of document.querySelectorAll('g.series')) {
    polylines[group.getAttribute('data-series')] = [...group.querySelectorAll('polyline')].map((line) => line.getAttribute('points').trim().split(/\\s+/).length);
  }
  return {
    parseError: error ? error.textContent : null,
    rootName: document.documentElement.nodeName,
    circles: [...document.querySelectorAll('circle[data-series]')].map((circle) => ({
      series: circle.getAttribute('data-series'),
      x: Number(circle.getAttribute('data-x')),
      y: Number(circle.getAttribute('data-y')),
      cx: Number(circle.getAttribute('cx')),
      cy: Number(circle.getAttribute('cy')),
    })),
    missing: [...document.querySelectorAll('g.missing')].map((mark) => ({ series: mark.getAttribute('data-series'), x: Number(mark.getAttribute('data-x')) })),
    polylines,
    texts: [...document.querySelectorAll('text')].map((text) => text.textContent),
  };
}`;

/** Elements of the page's inline SVG whose box pokes out of the SVG's own box. */
const OUTSIDE = `(() => {
  const root = document.querySelector('svg');
  if (!root) return ['no svg'];
  const box = root.getBoundingClientRect();
  return [...root.querySelectorAll('text, circle, polyline, line')]
    .map((element) => ({ element, rect: element.getBoundingClientRect() }))
    .filter(({ rect }) => rect.left < box.left - 0.5 || rect.top < box.top - 0.5 || rect.right > box.right + 0.5 || rect.bottom > box.bottom + 0.5)
    .map(({ element }) => element.nodeName + ' ' + element.textContent);
})()`;

async function parse(browser: TestBrowser, svg: string): Promise<Parsed> {
  return (await browser.page.evaluate(`(${READ_BACK})(${JSON.stringify(svg)})`)) as Parsed;
}

describe('svg chart writer', () => {
  let browser: TestBrowser;
  const svg = lineChartSvg(chart);
  before(async () => {
    browser = await openBrowser({ width: 1000, height: 600 });
  });
  after(async () => {
    await browser.close();
  });

  it('writes well-formed SVG with escaped titles and names', async () => {
    const parsed = await parse(browser, svg);
    assert.equal(parsed.parseError, null);
    assert.equal(parsed.rootName, 'svg');
    assert.ok(parsed.texts.includes('Scale <test> & "chart"'));
    assert.ok(parsed.texts.includes('baseline <bare> & co'));
    assert.ok(parsed.texts.includes('KiB per link') && parsed.texts.includes('sensors linked (N), log scale'));
    // The check itself catches a broken document (an unescaped ampersand).
    const broken = await parse(browser, svg.replace('&amp;', '&'));
    assert.notEqual(broken.parseError, null);
  });

  it('places points left to right by N and higher values higher up', async () => {
    const parsed = await parse(browser, svg);
    for (const series of ['Garrison RSS', 'baseline <bare> & co', 'baseline p99']) {
      const points = parsed.circles.filter((circle) => circle.series === series).sort((a, b) => a.x - b.x);
      assert.equal(points.length, 4, series);
      for (let index = 1; index < points.length; index += 1) {
        assert.ok(points[index]!.cx > points[index - 1]!.cx, `${series}: x of ${points[index]!.x} right of ${points[index - 1]!.x}`);
        // Every value in these series rises with N, so every point sits higher (smaller cy).
        assert.ok(points[index]!.cy < points[index - 1]!.cy, `${series}: ${points[index]!.y} above ${points[index - 1]!.y}`);
      }
    }
    // One x axis for all series of a panel: the same N is at the same place.
    const at1000 = parsed.circles.filter((circle) => circle.x === 1000 && ['Garrison RSS', 'baseline <bare> & co'].includes(circle.series));
    assert.equal(new Set(at1000.map((circle) => circle.cx)).size, 1);
    // Dashed series (targets) have no markers.
    assert.equal(parsed.circles.filter((circle) => circle.series === 'target').length, 0);
  });

  it('marks missing points as not reached and breaks the line there', async () => {
    const parsed = await parse(browser, svg);
    assert.deepEqual(
      parsed.missing.filter((mark) => mark.series === 'Garrison p99').map((mark) => mark.x).sort((a, b) => a - b),
      [2000, 5000],
    );
    assert.deepEqual(parsed.circles.filter((circle) => circle.series === 'Garrison p99').map((circle) => circle.x).sort((a, b) => a - b), [500, 1000]);
    assert.ok(parsed.texts.includes('not reached'));
    // 500 and 1000 joined by one line; nothing drawn across the gap.
    assert.deepEqual(parsed.polylines['Garrison p99'], [2]);
    assert.deepEqual(parsed.polylines['baseline p99'], [4]);
    const series = [{ name: 'gap', points: [{ x: 500, y: 1 }, { x: 1000, y: 2 }, { x: 2000, y: null }, { x: 5000, y: 4 }, { x: 8000, y: 5 }] }];
    const gapped = await parse(browser, lineChartSvg({ ...chart, xValues: [500, 1000, 2000, 5000, 8000], panels: [{ title: 'gap', yLabel: 'ms', series }] }));
    assert.deepEqual(gapped.polylines.gap, [2, 2]);
    assert.deepEqual(gapped.missing.map((mark) => mark.x), [2000]);
  });

  it('draws everything inside the picture, negative values included', async () => {
    const negative = lineChartSvg({ ...chart, xValues: [100, 300], panels: [{ title: 'RSS', yLabel: 'KiB', series: [{ name: 'rss', points: [{ x: 100, y: -261.4 }, { x: 300, y: 71.5 }] }] }] });
    for (const source of [svg, negative]) {
      await browser.page.setContent(`<!doctype html><body style="margin:0">${source.replace(/^<\?xml[^>]*>\n/, '')}</body>`);
      assert.deepEqual(await browser.page.evaluate(OUTSIDE), []);
    }
    const points = (await parse(browser, negative)).circles.sort((a, b) => a.x - b.x);
    assert.ok(points[0]!.cy > points[1]!.cy, 'the negative value is below the positive one');
  });

  it('picks round axis maxima', () => {
    assert.deepEqual(niceScale(20, 1234), { min: 0, max: 1250, step: 250 });
    assert.deepEqual(niceScale(0, 150), { min: 0, max: 150, step: 50 });
    assert.deepEqual(niceScale(-261, 71), { min: -300, max: 100, step: 100 });
    assert.deepEqual(niceScale(0, 0), { min: 0, max: 1, step: 0.2 });
  });
});
