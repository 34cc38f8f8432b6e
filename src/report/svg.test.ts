import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { barChart, histogram, lineChart, reliabilityDiagram, type ReliabilityBin } from './svg.js';
import { descendants, parseXml, textContent, type XmlElement } from '../../test/support/well-formed.js';

const GEOMETRY = ['x', 'y', 'width', 'height', 'cx', 'cy', 'r', 'x1', 'y1', 'x2', 'y2'];
const SIZES = new Set(['width', 'height', 'r']);

/** Parses the chart and checks what every chart promises: well-formed, finite geometry, no "NaN" anywhere. */
function parseChart(svg: string): XmlElement {
  const root = parseXml(svg);
  expect(root.name).toBe('svg');
  expect(root.attributes.role).toBe('img');
  expect(root.children[0]?.name).toBe('title');
  expect(svg).not.toMatch(/NaN|Infinity|undefined|\[object/);
  for (const element of descendants(root)) {
    for (const name of GEOMETRY) {
      const value = element.attributes[name];
      if (value === undefined || value.endsWith('%')) continue;
      expect(Number.isFinite(Number(value)), `${element.name} ${name}="${value}"`).toBe(true);
      if (SIZES.has(name)) expect(Number(value)).toBeGreaterThanOrEqual(0);
    }
    for (const pair of element.attributes.points?.split(' ') ?? []) expect(pair).toMatch(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/);
  }
  return root;
}

const withClass = (root: XmlElement, cls: string) => descendants(root).filter((e) => e.attributes.class === cls);
const pointsOf = (polyline: XmlElement) => polyline.attributes.points!.split(' ').length;
const texts = (root: XmlElement) => descendants(root).filter((e) => e.name === 'text').map(textContent);
const XSS = '<script>alert("x")</script>';

const curve = (n: number) => Array.from({ length: n }, (_, i) => [i / (n - 1), Math.sqrt(i / (n - 1))] as [number, number]);

describe('lineChart', () => {
  it('draws one polyline per series with every finite point, and skips the rest', () => {
    const root = parseChart(
      lineChart({
        title: 'ROC',
        x: { label: 'false positive rate', min: 0, max: 1 },
        y: { label: 'true positive rate', min: 0, max: 1 },
        diagonal: 'chance',
        series: [
          { name: 'active', points: curve(50) },
          { name: 'candidate', points: [[0, 0], [NaN, 0.5], [0.5, Infinity], [0.5, 0.8], [1, 1]], dashed: true },
        ],
      }),
    );
    const lines = withClass(root, 'series');
    expect(lines.map(pointsOf)).toEqual([50, 3]);
    expect(lines[1]!.attributes['stroke-dasharray']).toBeDefined();
    expect(withClass(root, 'point')).toHaveLength(0); // dots only for a lone point
    expect(withClass(root, 'diagonal')).toHaveLength(1);
    expect(texts(root)).toEqual(expect.arrayContaining(['ROC', 'active', 'candidate', 'chance', 'false positive rate', 'true positive rate', '0.0', '0.2', '1.0']));
  });

  it('ticks at round numbers over the data', () => {
    const root = parseChart(lineChart({ title: 't', x: {}, y: {}, series: [{ name: 's', points: [[0, 3], [10, 97]] }] }));
    expect(texts(root)).toEqual(expect.arrayContaining(['0', '20', '40', '60', '80', '100']));
  });

  it('draws markers inside the domain only', () => {
    const root = parseChart(
      lineChart({
        title: 't',
        x: { min: 0, max: 1 },
        y: {},
        series: [{ name: 's', points: curve(5) }],
        markers: [{ x: 0.5, label: 'threshold' }, { x: 2, label: 'outside' }, { x: NaN, label: 'broken' }],
      }),
    );
    expect(withClass(root, 'marker')).toHaveLength(1);
    expect(texts(root)).toContain('threshold');
    expect(texts(root)).not.toContain('outside');
  });

  it('shows a single point as a dot and equal values without dividing by zero', () => {
    const single = parseChart(lineChart({ title: 't', x: {}, y: {}, series: [{ name: 's', points: [[0.3, 0.3]] }] }));
    expect(withClass(single, 'series')).toHaveLength(0);
    expect(withClass(single, 'point')).toHaveLength(1);
    const flat = parseChart(lineChart({ title: 't', x: {}, y: {}, series: [{ name: 's', points: [[1, 0], [1, 0], [1, 0]] }] }));
    expect(withClass(flat, 'series').map(pointsOf)).toEqual([3]);
  });

  it('says there is no data for no series or only non-finite points', () => {
    for (const series of [[], [{ name: 's', points: [] }], [{ name: 's', points: [[NaN, 1], [1, -Infinity]] as Array<[number, number]> }]]) {
      const root = parseChart(lineChart({ title: 'Empty', x: {}, y: {}, series }));
      expect(texts(root)).toContain('No data to plot');
    }
  });

  it('escapes text from data and refuses colours that are not colours', () => {
    const svg = lineChart({ title: XSS, x: { label: XSS }, y: {}, series: [{ name: XSS, points: curve(3), color: '" onload="alert(1)' }, { name: 'b', points: curve(3) }] });
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('onload');
    const root = parseChart(svg);
    expect(texts(root)).toContain(XSS);
    expect(withClass(root, 'series')[0]!.attributes.stroke).toBe('#0072B2');
  });

  it('cuts long labels with an ellipsis and keeps the full text as a tooltip', () => {
    const long = `scenario ${'x'.repeat(200)}`;
    const root = parseChart(lineChart({ title: long, x: {}, y: {}, series: [{ name: long, points: curve(3) }, { name: 'b', points: curve(3) }] }));
    const legend = descendants(root).filter((e) => e.name === 'text' && e.text.startsWith('scenario'));
    expect(legend.length).toBeGreaterThanOrEqual(2);
    for (const label of legend) {
      expect(label.text.endsWith('…')).toBe(true);
      expect(label.text.length).toBeLessThan(80);
      expect(textContent(label.children[0]!)).toBe(long);
    }
  });

  it('stays well-formed and finite for arbitrary numbers', () => {
    const anyNumber = fc.double();
    fc.assert(
      fc.property(fc.array(fc.tuple(anyNumber, anyNumber), { maxLength: 30 }), fc.option(anyNumber, { nil: undefined }), (points, min) => {
        parseChart(lineChart({ title: 't', x: { min }, y: {}, series: [{ name: 's', points }], markers: [{ x: points[0]?.[0] ?? 0, label: 'm' }] }));
      }),
      { numRuns: 60 },
    );
  });
});

describe('histogram', () => {
  const edges = Array.from({ length: 11 }, (_, i) => i / 10);
  const fraud = [3, 0, 1, 5, 0, 8, 12, 20, 9, 4];
  const legit = [90_000, 5_000, 800, 120, 40, 10, 3, 1, 0, 0];

  it('draws one bar per positive count, side by side within each bin', () => {
    const root = parseChart(histogram({ title: 'Scores', edges, series: [{ name: 'fraud', counts: fraud }, { name: 'legit', counts: legit }], logY: true, x: { label: 'score' } }));
    const bars = withClass(root, 'bar');
    expect(bars).toHaveLength(fraud.filter((c) => c > 0).length + legit.filter((c) => c > 0).length);
    expect(texts(root)).toEqual(expect.arrayContaining(['1', '10', '100', '1k', '10k', '100k', 'count (log scale)']));
    // In the first bin, the fraud bar comes first and the legit bar right after it.
    const [first, second] = bars.map((b) => Number(b.attributes.x));
    expect(second).toBeGreaterThan(first!);
  });

  it('draws axes but no bars for all-zero counts, on a linear or log axis', () => {
    for (const logY of [false, true]) {
      const root = parseChart(histogram({ title: 'zeros', edges, series: [{ name: 'a', counts: Array(10).fill(0) }], logY }));
      expect(withClass(root, 'bar')).toHaveLength(0);
      expect(texts(root)).toContain('0');
    }
  });

  it('skips bins with non-finite edges or counts and markers outside the bins', () => {
    const root = parseChart(
      histogram({
        title: 't',
        edges: [0, 1, NaN, 3, 4],
        series: [{ name: 'a', counts: [1, 2, 3, NaN] }],
        markers: [{ x: 0.5, label: 'threshold' }, { x: Infinity, label: 'never' }],
      }),
    );
    expect(withClass(root, 'bar')).toHaveLength(1);
    expect(withClass(root, 'marker')).toHaveLength(1);
  });

  it('says there is no data without bins or series, and refuses counts that do not match the edges', () => {
    expect(texts(parseChart(histogram({ title: 't', edges: [], series: [{ name: 'a', counts: [] }] })))).toContain('No data to plot');
    expect(texts(parseChart(histogram({ title: 't', edges, series: [] })))).toContain('No data to plot');
    expect(() => histogram({ title: 't', edges, series: [{ name: 'a', counts: [1, 2] }] })).toThrow(RangeError);
  });
});

describe('reliabilityDiagram', () => {
  const bins: ReliabilityBin[] = [
    { lower: 0, upper: 0.1, count: 9_000, meanPredicted: 0.01, observedRate: 0.008 },
    { lower: 0.1, upper: 0.2, count: 300, meanPredicted: 0.14, observedRate: 0.2 },
    { lower: 0.5, upper: 0.6, count: 12, meanPredicted: 0.55, observedRate: 0.5 },
    { lower: 0.9, upper: 1, count: 3, meanPredicted: 0.95, observedRate: 1 },
  ];

  it('draws a dot and a count bar per bin, larger for fuller bins, with the diagonal', () => {
    const root = parseChart(reliabilityDiagram({ title: 'Calibration', series: [{ name: 'model', bins }] }));
    const dots = withClass(root, 'point');
    expect(dots).toHaveLength(4);
    expect(Number(dots[0]!.attributes.r)).toBeGreaterThan(Number(dots[3]!.attributes.r));
    expect(withClass(root, 'count-bar')).toHaveLength(4);
    expect(withClass(root, 'diagonal')).toHaveLength(1);
    expect(withClass(root, 'series').map(pointsOf)).toEqual([4]);
    expect(textContent(dots[0]!)).toContain('9,000 rows');
  });

  it('overlays several series and skips empty or broken bins', () => {
    const broken = [...bins.slice(0, 2), { lower: 0.2, upper: 0.3, count: 0, meanPredicted: NaN, observedRate: NaN }, { ...bins[2]!, observedRate: Infinity }];
    const root = parseChart(reliabilityDiagram({ title: 't', series: [{ name: 'a', bins }, { name: 'b', bins: broken }] }));
    expect(withClass(root, 'point')).toHaveLength(6);
    expect(texts(root)).toEqual(expect.arrayContaining(['a', 'b', 'perfectly calibrated']));
  });

  it('says there is no data without valid bins', () => {
    expect(texts(parseChart(reliabilityDiagram({ title: 't', series: [] })))).toContain('No data to plot');
    expect(texts(parseChart(reliabilityDiagram({ title: 't', series: [{ name: 'a', bins: [{ ...bins[0]!, count: 0 }] }] })))).toContain('No data to plot');
  });
});

describe('barChart', () => {
  const categories = ['stolen_card', 'card_testing', 'account_takeover'];

  it('draws one bar per finite value, vertical or horizontal, with values printed', () => {
    for (const horizontal of [false, true]) {
      const root = parseChart(
        barChart({
          title: 'Recall',
          categories,
          series: [{ name: 'active', values: [0.5, 0.25, NaN] }, { name: 'candidate', values: [0.6, 0.3, 0.1] }],
          horizontal,
          format: (v) => `${Math.round(v * 100)}%`,
          valueAxis: { min: 0, max: 1 },
        }),
      );
      expect(withClass(root, 'bar')).toHaveLength(5);
      expect(texts(root)).toEqual(expect.arrayContaining([...categories, '50%', '10%', '100%']));
    }
  });

  it('grows bars from zero for negative values', () => {
    const root = parseChart(barChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [-3, 7] }] }));
    const [negative, positive] = withClass(root, 'bar');
    // The negative bar starts where the positive one ends: at the zero line.
    expect(Number(negative!.attributes.y)).toBeCloseTo(Number(positive!.attributes.y) + Number(positive!.attributes.height), 1);
    expect(texts(root)).toContain('0');
  });

  it('handles all-zero values, long names and escapes them', () => {
    const long = `${XSS} ${'very long scenario name '.repeat(5)}`;
    const svg = barChart({ title: 't', categories: [long, 'b'], series: [{ name: 's', values: [0, 0] }], horizontal: true });
    expect(svg).not.toContain('<script');
    const root = parseChart(svg);
    expect(withClass(root, 'bar').map((b) => Number(b.attributes.width))).toEqual([0, 0]);
    const label = descendants(root).find((e) => e.name === 'text' && e.text.startsWith('<script>'))!;
    expect(label.text.endsWith('…')).toBe(true);
  });

  it('says there is no data without categories or finite values, and refuses mismatched series', () => {
    expect(texts(parseChart(barChart({ title: 't', categories: [], series: [] })))).toContain('No data to plot');
    expect(texts(parseChart(barChart({ title: 't', categories: ['a'], series: [{ name: 's', values: [NaN] }] })))).toContain('No data to plot');
    expect(() => barChart({ title: 't', categories: ['a', 'b'], series: [{ name: 's', values: [1] }] })).toThrow(RangeError);
  });
});

describe('every chart', () => {
  it('stays well-formed and finite for arbitrary counts, values and bins', () => {
    const anyNumber = fc.double();
    const bin = fc.record({ lower: anyNumber, upper: anyNumber, count: anyNumber, meanPredicted: anyNumber, observedRate: anyNumber });
    fc.assert(
      fc.property(fc.array(anyNumber, { minLength: 1, maxLength: 12 }), fc.array(bin, { maxLength: 8 }), fc.boolean(), (values, bins, flag) => {
        const edges = [...values.keys(), values.length].map((i) => i / values.length);
        parseChart(histogram({ title: 'h', edges, series: [{ name: 'a', counts: values }], logY: flag }));
        parseChart(barChart({ title: 'b', categories: values.map((_, i) => `c${i}`), series: [{ name: 'a', values }], horizontal: flag }));
        parseChart(reliabilityDiagram({ title: 'r', series: [{ name: 'a', bins }] }));
      }),
      { numRuns: 60 },
    );
  });
});
