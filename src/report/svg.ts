// Charts as standalone SVG strings: no dependencies, no script, and no ids, because several charts
// share one HTML page and ids would collide. Every text is escaped (labels come from data) and every
// value that is not finite is skipped, so the markup never contains "NaN" or "Infinity".
import { formatNumber, formatTick } from './format.js';
import { escapeXml, truncate } from './text.js';
import { linearScale, logScale, type LinearScale } from './ticks.js';

/** Okabe–Ito colours without the yellow (too light on white): told apart with common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export interface Axis {
  label?: string;
  /** Fixed ends of the domain; without them the domain covers the data, widened to round numbers. */
  min?: number;
  max?: number;
  /** Tick labels; by default round numbers with as many decimals as the tick step needs. */
  format?: (value: number) => string;
}

export interface ChartSize {
  width?: number;
  height?: number;
}

/** A labelled vertical line at an x value, e.g. a decision threshold. */
export interface Marker {
  x: number;
  label: string;
}

export interface LineSeries {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  dashed?: boolean;
  /** A CSS colour (hex or name); anything else falls back to the palette. */
  color?: string;
}

export interface LineChartOptions extends ChartSize {
  title: string;
  x: Axis;
  y: Axis;
  series: readonly LineSeries[];
  /** Draws y = x (chance on a ROC curve); a string also names it in the legend. */
  diagonal?: boolean | string;
  markers?: readonly Marker[];
}

export interface HistogramSeries {
  name: string;
  counts: readonly number[];
  color?: string;
}

export interface HistogramOptions extends ChartSize {
  title: string;
  /** Bin i spans [edges[i], edges[i + 1]); every series has edges.length − 1 counts. */
  edges: readonly number[];
  /** Drawn side by side within each bin, so a rare class is never hidden behind a common one. */
  series: readonly HistogramSeries[];
  /** Log-scaled counts: with rare fraud, fraud bars are otherwise flat next to legitimate ones. */
  logY?: boolean;
  x?: Pick<Axis, 'label' | 'format'>;
  y?: Pick<Axis, 'label'>;
  markers?: readonly Marker[];
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

export interface ReliabilitySeries {
  name: string;
  bins: readonly ReliabilityBin[];
  color?: string;
}

export interface ReliabilityOptions extends ChartSize {
  title: string;
  series: readonly ReliabilitySeries[];
}

export interface BarSeries {
  name: string;
  /** One value per category; a value that is not finite leaves a gap. */
  values: readonly number[];
  color?: string;
}

export interface BarChartOptions extends ChartSize {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Categories down the side: the better layout for long category names. */
  horizontal?: boolean;
  /** Value ticks and the value printed at each bar's end. */
  format?: (value: number) => string;
  valueAxis?: Omit<Axis, 'format'>;
}

const DEFAULT_WIDTH = 560;
const DEFAULT_HEIGHT = 360;
const MIN_SIZE = 160;
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
const FONT_SIZE = 12;
const SMALL_FONT_SIZE = 11;
const TITLE_FONT_SIZE = 15;
const TEXT_COLOR = '#1f2328';
const MUTED_COLOR = '#57606a';
const GRID_COLOR = '#e6e8eb';
const AXIS_COLOR = '#8c959f';
const REFERENCE_COLOR = '#6e7781';
const DASH = '6 4';
/** Bar charts with at most this many bars print each value at the bar's end. */
const MAX_LABELLED_BARS = 30;

// ─── primitives ───────────────────────────────────────────────────────────────────────────────────

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

const right = (box: Box) => box.left + box.width;
const bottom = (box: Box) => box.top + box.height;

/** Pixel coordinates are kept within this distance of the chart: points far outside a fixed domain are clipped anyway. */
const MAX_COORDINATE = 1e6;

/**
 * A number for an attribute, with at most two decimals. A value that is not finite can only come from
 * a bug upstream; it becomes 0, because a misplaced mark is better than a document that fails to render.
 */
function num(value: number): string {
  if (!Number.isFinite(value)) return '0';
  const bounded = Math.min(Math.max(value, -MAX_COORDINATE), MAX_COORDINATE);
  return String(Math.round(bounded * 100) / 100 + 0); // + 0 turns -0 into 0
}

type Attributes = Record<string, string | number | undefined>;

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`)
    .join('');
}

/** An element; `content` is markup, already escaped. */
function element(name: string, attrs: Attributes, content = ''): string {
  return content ? `<${name}${attributes(attrs)}>${content}</${name}>` : `<${name}${attributes(attrs)}/>`;
}

/** Rough rendered width of a text: layout needs an estimate, and there is no font metrics without a browser. */
const textWidth = (text: string, fontSize = FONT_SIZE) => Array.from(text).length * fontSize * 0.6;
const charsFitting = (widthPx: number, fontSize = FONT_SIZE) => Math.max(1, Math.floor(widthPx / (fontSize * 0.6)));

/** A text element cut to `maxChars`; when cut, the full text is kept as a tooltip. */
function text(content: string, maxChars: number, attrs: Attributes): string {
  const shown = truncate(content, maxChars);
  const tooltip = shown === content ? '' : element('title', {}, escapeXml(content));
  return element('text', attrs, tooltip + escapeXml(shown));
}

const SAFE_COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,20})$/i;

function seriesColor(color: string | undefined, index: number): string {
  return color !== undefined && SAFE_COLOR.test(color) ? color : PALETTE[index % PALETTE.length]!;
}

const validSize = (value: number | undefined, fallback: number) => (value !== undefined && Number.isFinite(value) ? Math.max(MIN_SIZE, value) : fallback);

/** Maps [domainMin, domainMax] onto [rangeStart, rangeEnd]; callers guarantee a domain with width. */
function linearMap(domainMin: number, domainMax: number, rangeStart: number, rangeEnd: number): (value: number) => number {
  const scale = (rangeEnd - rangeStart) / (domainMax - domainMin);
  return (value) => rangeStart + (value - domainMin) * scale;
}

/** Smallest and largest value, in a loop: spreading a long array into Math.min overflows the stack. */
function extent(values: Iterable<number>): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

const isFiniteNumber = (value: number | undefined): value is number => value !== undefined && Number.isFinite(value);

/** The axis's own ends where it fixes them (and they are finite), the data's otherwise. */
function axisScale(axis: Pick<Axis, 'min' | 'max'>, dataMin: number, dataMax: number, targetTicks: number): LinearScale {
  const min = isFiniteNumber(axis.min) ? axis.min : undefined;
  const max = isFiniteNumber(axis.max) ? axis.max : undefined;
  return linearScale(min ?? dataMin, max ?? dataMax, { targetTicks, fixedMin: min !== undefined, fixedMax: max !== undefined });
}

// ─── document, title, legend ──────────────────────────────────────────────────────────────────────

function svgDocument(title: string, description: string, width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg"${attributes({ width, height, viewBox: `0 0 ${num(width)} ${num(height)}`, role: 'img', 'aria-label': title, 'font-family': FONT_FAMILY, 'font-size': FONT_SIZE, fill: TEXT_COLOR })}>`,
    element('title', {}, escapeXml(title)),
    element('desc', {}, escapeXml(description)),
    element('rect', { width: '100%', height: '100%', fill: '#ffffff' }),
    ...body,
    '</svg>',
  ].join('\n');
}

interface LegendEntry {
  name: string;
  color: string;
  symbol: 'line' | 'dashed' | 'box' | 'dot';
}

const MAX_LEGEND_CHARS = 48;

/** The title, and below it a legend that wraps onto more rows as needed; returns where the plot may start. */
function titleAndLegend(title: string, width: number, legend: readonly LegendEntry[]): { markup: string[]; bottom: number } {
  const markup = [text(title, charsFitting(width - 32, TITLE_FONT_SIZE), { x: 16, y: 24, 'font-size': TITLE_FONT_SIZE, 'font-weight': 600 })];
  if (legend.length < 2) return { markup, bottom: 36 };
  let x = 16;
  let y = 48;
  for (const entry of legend) {
    const label = truncate(entry.name, MAX_LEGEND_CHARS);
    const entryWidth = 24 + textWidth(label) + 18;
    if (x > 16 && x + entryWidth > width - 16) {
      x = 16;
      y += 18;
    }
    markup.push(legendSymbol(entry, x, y - 4), text(entry.name, MAX_LEGEND_CHARS, { x: x + 24, y }));
    x += entryWidth;
  }
  return { markup, bottom: y + 12 };
}

function legendSymbol(entry: LegendEntry, x: number, y: number): string {
  switch (entry.symbol) {
    case 'line':
    case 'dashed':
      return element('line', { x1: x, y1: y, x2: x + 18, y2: y, stroke: entry.color, 'stroke-width': 2.5, 'stroke-dasharray': entry.symbol === 'dashed' ? DASH : undefined });
    case 'box':
      return element('rect', { x: x + 4, y: y - 5, width: 10, height: 10, fill: entry.color });
    case 'dot':
      return element('circle', { cx: x + 9, cy: y, r: 4.5, fill: entry.color });
  }
}

function emptyChart(title: string, width: number, height: number): string {
  const head = titleAndLegend(title, width, []);
  const message = element('text', { x: width / 2, y: (head.bottom + height) / 2, 'text-anchor': 'middle', fill: MUTED_COLOR }, 'No data to plot');
  return svgDocument(title, 'No data to plot.', width, height, [...head.markup, message]);
}

// ─── axes ─────────────────────────────────────────────────────────────────────────────────────────

/** The plot area left after margins for tick labels and axis titles. */
function plotArea(o: { width: number; height: number; top: number; yTickLabels: readonly string[]; yTitle: boolean; bottomMargin: number }): Box {
  const [, widestTick] = extent(o.yTickLabels.map((t) => textWidth(t, SMALL_FONT_SIZE)));
  const left = (o.yTitle ? 28 : 10) + Math.max(0, widestTick) + 8;
  return {
    left,
    top: o.top,
    width: Math.max(40, o.width - left - 20),
    height: Math.max(40, o.height - o.top - o.bottomMargin),
  };
}

const BOTTOM_MARGIN_WITH_TITLE = 46;
const BOTTOM_MARGIN = 28;

function horizontalGrid(plot: Box, ticks: readonly number[], toY: (v: number) => number, format: (v: number) => string): string[] {
  return ticks.flatMap((tick) => [
    element('line', { x1: plot.left, y1: toY(tick), x2: right(plot), y2: toY(tick), stroke: GRID_COLOR }),
    element('text', { x: plot.left - 6, y: toY(tick) + 4, 'text-anchor': 'end', 'font-size': SMALL_FONT_SIZE, fill: MUTED_COLOR }, escapeXml(format(tick))),
  ]);
}

function verticalGrid(plot: Box, ticks: readonly number[], toX: (v: number) => number, format: (v: number) => string, labelY = bottom(plot) + 16): string[] {
  return ticks.flatMap((tick) => [
    element('line', { x1: toX(tick), y1: plot.top, x2: toX(tick), y2: bottom(plot), stroke: GRID_COLOR }),
    element('text', { x: toX(tick), y: labelY, 'text-anchor': 'middle', 'font-size': SMALL_FONT_SIZE, fill: MUTED_COLOR }, escapeXml(format(tick))),
  ]);
}

function axisLines(plot: Box): string[] {
  return [
    element('line', { x1: plot.left, y1: plot.top, x2: plot.left, y2: bottom(plot), stroke: AXIS_COLOR }),
    element('line', { x1: plot.left, y1: bottom(plot), x2: right(plot), y2: bottom(plot), stroke: AXIS_COLOR }),
  ];
}

function xTitle(plot: Box, label: string | undefined, y = bottom(plot) + 36): string[] {
  if (!label) return [];
  return [text(label, charsFitting(plot.width), { x: plot.left + plot.width / 2, y, 'text-anchor': 'middle' })];
}

function yTitle(plot: Box, label: string | undefined): string[] {
  if (!label) return [];
  const x = 14;
  const y = plot.top + plot.height / 2;
  return [text(label, charsFitting(plot.height), { x, y, 'text-anchor': 'middle', transform: `rotate(-90 ${num(x)} ${num(y)})` })];
}

/**
 * Data marks clipped to the plot area (with a few pixels to spare for line caps and dots): a nested
 * <svg> clips without a clipPath, which would need an id.
 */
function clipped(plot: Box, marks: string[]): string {
  const slack = 4;
  const x = plot.left - slack;
  const y = plot.top - slack;
  const width = plot.width + 2 * slack;
  const height = plot.height + 2 * slack;
  return element('svg', { x, y, width, height, viewBox: `${num(x)} ${num(y)} ${num(width)} ${num(height)}`, overflow: 'hidden' }, `\n${marks.join('\n')}\n`);
}

/** Room above the plot for marker labels: two staggered rows once there is more than one marker. */
const markerLabelSpace = (count: number) => (count === 0 ? 0 : count === 1 ? 16 : 30);

function markerMarks(plot: Box, width: number, markers: readonly Marker[], toX: (v: number) => number): string[] {
  return markers.flatMap((marker, i) => {
    const x = toX(marker.x);
    const label = truncate(marker.label, 24);
    const half = textWidth(label, SMALL_FONT_SIZE) / 2;
    const labelX = Math.min(Math.max(x, half + 4), width - half - 4);
    return [
      element('line', { class: 'marker', x1: x, y1: plot.top, x2: x, y2: bottom(plot), stroke: '#444c56', 'stroke-width': 1.5, 'stroke-dasharray': '3 3' }),
      text(marker.label, 24, { x: labelX, y: plot.top - 6 - (i % 2) * 14, 'text-anchor': 'middle', 'font-size': SMALL_FONT_SIZE }),
    ];
  });
}

const visibleMarkers = (markers: readonly Marker[] | undefined, min: number, max: number) => (markers ?? []).filter((m) => Number.isFinite(m.x) && m.x >= min && m.x <= max);

// ─── line chart ───────────────────────────────────────────────────────────────────────────────────

const isFinitePoint = (point: readonly [number, number]) => Number.isFinite(point[0]) && Number.isFinite(point[1]);

const pointList = (points: ReadonlyArray<readonly [number, number]>, toX: (v: number) => number, toY: (v: number) => number) =>
  points.map(([x, y]) => `${num(toX(x))},${num(toY(y))}`).join(' ');

/** Lines through (x, y) points: ROC and precision–recall curves, metrics against the threshold. */
export function lineChart(options: LineChartOptions): string {
  const width = validSize(options.width, DEFAULT_WIDTH);
  const height = validSize(options.height, DEFAULT_HEIGHT);
  const series = options.series.map((s, i) => ({ name: s.name, dashed: s.dashed ?? false, color: seriesColor(s.color, i), points: s.points.filter(isFinitePoint) }));
  const allPoints = series.flatMap((s) => s.points);
  if (allPoints.length === 0) return emptyChart(options.title, width, height);

  const [xMin, xMax] = extent(allPoints.map((p) => p[0]));
  const [yMin, yMax] = extent(allPoints.map((p) => p[1]));
  const xScale = axisScale(options.x, xMin, xMax, Math.max(2, Math.round(width / 110)));
  const yScale = axisScale(options.y, yMin, yMax, 5);
  const formatX = options.x.format ?? ((v: number) => formatTick(v, xScale.step));
  const formatY = options.y.format ?? ((v: number) => formatTick(v, yScale.step));
  const diagonalName = typeof options.diagonal === 'string' ? options.diagonal : undefined;
  const legend: LegendEntry[] = series.map((s) => ({ name: s.name, color: s.color, symbol: s.dashed ? 'dashed' : 'line' }));
  if (diagonalName) legend.push({ name: diagonalName, color: REFERENCE_COLOR, symbol: 'dashed' });
  const head = titleAndLegend(options.title, width, legend);
  const markers = visibleMarkers(options.markers, xScale.min, xScale.max);
  const plot = plotArea({
    width,
    height,
    top: head.bottom + markerLabelSpace(markers.length),
    yTickLabels: yScale.ticks.map(formatY),
    yTitle: Boolean(options.y.label),
    bottomMargin: options.x.label ? BOTTOM_MARGIN_WITH_TITLE : BOTTOM_MARGIN,
  });
  const toX = linearMap(xScale.min, xScale.max, plot.left, right(plot));
  const toY = linearMap(yScale.min, yScale.max, bottom(plot), plot.top);

  const marks: string[] = [];
  if (options.diagonal) {
    const from = Math.max(xScale.min, yScale.min);
    const to = Math.min(xScale.max, yScale.max);
    if (to > from) marks.push(element('line', { class: 'diagonal', x1: toX(from), y1: toY(from), x2: toX(to), y2: toY(to), stroke: REFERENCE_COLOR, 'stroke-dasharray': DASH }));
  }
  for (const s of series) {
    if (s.points.length >= 2) {
      marks.push(
        element('polyline', {
          class: 'series',
          points: pointList(s.points, toX, toY),
          fill: 'none',
          stroke: s.color,
          'stroke-width': 2,
          'stroke-linejoin': 'round',
          'stroke-dasharray': s.dashed ? DASH : undefined,
        }),
      );
    }
    // A lone point makes no line; it shows as a dot.
    if (s.points.length === 1) marks.push(element('circle', { class: 'point', cx: toX(s.points[0]![0]), cy: toY(s.points[0]![1]), r: 3.5, fill: s.color }));
  }
  const description = `Line chart. ${series.map((s) => `${s.name}: ${s.points.length} points`).join('; ')}.`;
  return svgDocument(options.title, description, width, height, [
    ...head.markup,
    ...horizontalGrid(plot, yScale.ticks, toY, formatY),
    ...verticalGrid(plot, xScale.ticks, toX, formatX),
    ...axisLines(plot),
    ...xTitle(plot, options.x.label),
    ...yTitle(plot, options.y.label),
    clipped(plot, marks),
    ...markerMarks(plot, width, markers, toX),
  ]);
}

// ─── histogram ────────────────────────────────────────────────────────────────────────────────────

interface CountAxis {
  ticks: number[];
  format: (value: number) => string;
  /** Pixel y of a count, once the plot's top and baseline (the bars' bottom) are known. */
  place: (top: number, baseline: number) => (count: number) => number;
}

/** Counts on a log axis when asked and possible (some count is positive), otherwise on a linear one from 0. */
function countAxis(counts: readonly number[], logY: boolean): CountAxis {
  const positive = counts.filter((c) => c > 0);
  if (logY && positive.length > 0) {
    const [minPositive, max] = extent(positive);
    const scale = logScale(minPositive, max);
    return {
      ticks: scale.ticks,
      format: (v) => formatTick(v, v),
      place: (top, baseline) => {
        const toY = linearMap(scale.minExponent, scale.maxExponent, baseline, top);
        return (count) => toY(Math.log10(count));
      },
    };
  }
  const [, max] = extent(positive);
  // Counts are whole: never more intervals than units, so no tick lands on a fraction.
  const scale = linearScale(0, Math.max(1, max), { fixedMin: true, targetTicks: Math.min(5, Math.ceil(Math.max(1, max))) });
  return { ticks: scale.ticks, format: (v) => formatTick(v, scale.step), place: (top, baseline) => linearMap(scale.min, scale.max, baseline, top) };
}

/** Counts per bin for one or more classes; bars with a zero count are not drawn. */
export function histogram(options: HistogramOptions): string {
  const width = validSize(options.width, DEFAULT_WIDTH);
  const height = validSize(options.height, DEFAULT_HEIGHT);
  const { edges } = options;
  for (const s of options.series) {
    if (s.counts.length !== Math.max(0, edges.length - 1)) throw new RangeError(`histogram series "${s.name}" has ${s.counts.length} counts for ${edges.length} edges`);
  }
  // Bins whose edges are not finite and increasing cannot be placed on an axis.
  const bins = edges.slice(0, -1).flatMap((lower, i) => {
    const upper = edges[i + 1]!;
    return Number.isFinite(lower) && Number.isFinite(upper) && upper > lower ? [{ index: i, lower, upper }] : [];
  });
  if (bins.length === 0 || options.series.length === 0) return emptyChart(options.title, width, height);

  const series = options.series.map((s, i) => ({ name: s.name, color: seriesColor(s.color, i), counts: s.counts }));
  const barCounts = series.flatMap((s) => bins.map((b) => s.counts[b.index]!)).filter((c) => Number.isFinite(c));
  const [xMin] = extent(bins.map((b) => b.lower));
  const [, xMax] = extent(bins.map((b) => b.upper));
  const xScale = linearScale(xMin, xMax, { targetTicks: Math.max(2, Math.round(width / 110)), fixedMin: true, fixedMax: true });
  const formatX = options.x?.format ?? ((v: number) => formatTick(v, xScale.step));
  const head = titleAndLegend(options.title, width, series.map((s) => ({ name: s.name, color: s.color, symbol: 'box' })));
  const markers = visibleMarkers(options.markers, xScale.min, xScale.max);
  const top = head.bottom + markerLabelSpace(markers.length);
  const bottomMargin = options.x?.label ? BOTTOM_MARGIN_WITH_TITLE : BOTTOM_MARGIN;
  const y = countAxis(barCounts, options.logY ?? false);
  const plot = plotArea({ width, height, top, yTickLabels: y.ticks.map(y.format), yTitle: true, bottomMargin });
  const toY = y.place(plot.top, bottom(plot));
  const toX = linearMap(xScale.min, xScale.max, plot.left, right(plot));

  const bars = bins.flatMap((bin) => {
    const band = toX(bin.upper) - toX(bin.lower);
    const gap = Math.min(2, band * 0.1);
    const barWidth = (band - 2 * gap) / series.length;
    return series.flatMap((s, k) => {
      const count = s.counts[bin.index]!;
      if (!(count > 0) || !Number.isFinite(count)) return [];
      const tooltip = `${s.name}: ${formatNumber(count)} in [${formatTick(bin.lower, bin.upper - bin.lower)}, ${formatTick(bin.upper, bin.upper - bin.lower)})`;
      return [element('rect', { class: 'bar', x: toX(bin.lower) + gap + k * barWidth, y: toY(count), width: barWidth, height: bottom(plot) - toY(count), fill: s.color }, element('title', {}, escapeXml(tooltip)))];
    });
  });
  const totals = series.map((s) => `${s.name}: ${formatNumber(bins.reduce((sum, b) => sum + (Number.isFinite(s.counts[b.index]!) ? s.counts[b.index]! : 0), 0))} in total`);
  const description = `Histogram with ${bins.length} bins${options.logY ? ', logarithmic counts' : ''}. ${totals.join('; ')}.`;
  return svgDocument(options.title, description, width, height, [
    ...head.markup,
    ...horizontalGrid(plot, y.ticks, toY, y.format),
    ...verticalGrid(plot, xScale.ticks, toX, formatX),
    ...axisLines(plot),
    ...xTitle(plot, options.x?.label),
    ...yTitle(plot, options.y?.label ?? (options.logY ? 'count (log scale)' : 'count')),
    clipped(plot, bars),
    ...markerMarks(plot, width, markers, toX),
  ]);
}

// ─── reliability diagram ──────────────────────────────────────────────────────────────────────────

const STRIP_HEIGHT = 40;
const STRIP_GAP = 10;

const isValidBin = (b: ReliabilityBin) =>
  [b.lower, b.upper, b.count, b.meanPredicted, b.observedRate].every(Number.isFinite) && b.count > 0 && b.upper > b.lower;

/**
 * Observed fraud rate against mean predicted probability per bin, with the diagonal of perfect
 * calibration. Dot area grows with the bin's rows, and a strip under the plot shows rows per bin on a
 * log scale, because with rare fraud the lowest bin holds nearly every row.
 */
export function reliabilityDiagram(options: ReliabilityOptions): string {
  const width = validSize(options.width, DEFAULT_WIDTH);
  const height = validSize(options.height, DEFAULT_HEIGHT + STRIP_HEIGHT);
  const series = options.series.map((s, i) => ({
    name: s.name,
    color: seriesColor(s.color, i),
    bins: s.bins.filter(isValidBin).sort((a, b) => a.meanPredicted - b.meanPredicted),
  }));
  if (series.every((s) => s.bins.length === 0)) return emptyChart(options.title, width, height);

  const axis = linearScale(0, 1, { fixedMin: true, fixedMax: true });
  const format = (v: number) => formatTick(v, axis.step);
  const legend: LegendEntry[] = [...series.map((s): LegendEntry => ({ name: s.name, color: s.color, symbol: 'dot' })), { name: 'perfectly calibrated', color: REFERENCE_COLOR, symbol: 'dashed' }];
  const head = titleAndLegend(options.title, width, legend);
  const plot = plotArea({
    width,
    height,
    top: head.bottom,
    yTickLabels: axis.ticks.map(format),
    yTitle: true,
    bottomMargin: BOTTOM_MARGIN_WITH_TITLE + STRIP_GAP + STRIP_HEIGHT,
  });
  const strip: Box = { left: plot.left, top: bottom(plot) + STRIP_GAP, width: plot.width, height: STRIP_HEIGHT };
  const toX = linearMap(0, 1, plot.left, right(plot));
  const toY = linearMap(0, 1, bottom(plot), plot.top);
  const [, maxCount] = extent(series.flatMap((s) => s.bins.map((b) => b.count)));
  const radius = (count: number) => 2.5 + 6 * Math.sqrt(count / maxCount);
  const logMaxCount = Math.log10(1 + maxCount);
  // Counts so small that log10(1 + count) rounds to 0 (fractional weights) fill the strip rather than divide by zero.
  const stripHeight = (count: number) => (STRIP_HEIGHT - 2) * (logMaxCount > 0 ? Math.log10(1 + count) / logMaxCount : 1);

  const marks = [element('line', { class: 'diagonal', x1: toX(0), y1: toY(0), x2: toX(1), y2: toY(1), stroke: REFERENCE_COLOR, 'stroke-dasharray': DASH })];
  const stripBars: string[] = [];
  series.forEach((s, k) => {
    const binLabel = (b: ReliabilityBin) => `[${formatTick(b.lower, b.upper - b.lower)}, ${formatTick(b.upper, b.upper - b.lower)})`;
    if (s.bins.length >= 2) {
      marks.push(element('polyline', { class: 'series', points: pointList(s.bins.map((b) => [b.meanPredicted, b.observedRate] as const), toX, toY), fill: 'none', stroke: s.color, 'stroke-width': 1.5 }));
    }
    for (const b of s.bins) {
      const tooltip = `${s.name}, bin ${binLabel(b)}: ${formatNumber(b.count)} rows, mean predicted ${b.meanPredicted.toFixed(4)}, observed ${b.observedRate.toFixed(4)}`;
      marks.push(element('circle', { class: 'point', cx: toX(b.meanPredicted), cy: toY(b.observedRate), r: radius(b.count), fill: s.color, 'fill-opacity': 0.75, stroke: '#ffffff' }, element('title', {}, escapeXml(tooltip))));
      const band = toX(b.upper) - toX(b.lower);
      const gap = Math.min(1, band * 0.1);
      const barWidth = (band - 2 * gap) / series.length;
      const h = stripHeight(b.count);
      stripBars.push(element('rect', { class: 'count-bar', x: toX(b.lower) + gap + k * barWidth, y: bottom(strip) - h, width: barWidth, height: h, fill: s.color }, element('title', {}, escapeXml(`${s.name}: ${formatNumber(b.count)} rows in ${binLabel(b)}`))));
    }
  });
  const description = `Reliability diagram; the strip below shows rows per bin on a log scale. ${series.map((s) => `${s.name}: ${s.bins.length} bins, ${formatNumber(s.bins.reduce((n, b) => n + b.count, 0))} rows`).join('; ')}.`;
  return svgDocument(options.title, description, width, height, [
    ...head.markup,
    ...horizontalGrid(plot, axis.ticks, toY, format),
    ...verticalGrid(plot, axis.ticks, toX, format, bottom(strip) + 16),
    ...axisLines(plot),
    element('line', { x1: strip.left, y1: bottom(strip), x2: right(strip), y2: bottom(strip), stroke: AXIS_COLOR }),
    element('text', { x: strip.left - 6, y: strip.top + STRIP_HEIGHT / 2 + 4, 'text-anchor': 'end', 'font-size': SMALL_FONT_SIZE, fill: MUTED_COLOR }, 'rows'),
    ...xTitle(strip, 'mean predicted probability'),
    ...yTitle(plot, 'observed fraud rate'),
    clipped(plot, marks),
    clipped(strip, stripBars),
  ]);
}

// ─── bar chart ────────────────────────────────────────────────────────────────────────────────────

/** The plot area of a horizontal bar chart: category names on the left, value ticks and title below. */
function sideLabelledPlotArea(width: number, height: number, top: number, labels: readonly string[], rightMargin: number): Box {
  const [, widestLabel] = extent(labels.map((label) => textWidth(label, SMALL_FONT_SIZE)));
  const left = 16 + Math.max(0, widestLabel) + 8;
  return { left, top, width: Math.max(40, width - left - rightMargin), height: Math.max(40, height - top - BOTTOM_MARGIN_WITH_TITLE) };
}

/** Values per category for one or more series, as grouped bars from zero. */
export function barChart(options: BarChartOptions): string {
  const width = validSize(options.width, DEFAULT_WIDTH);
  const { categories } = options;
  for (const s of options.series) {
    if (s.values.length !== categories.length) throw new RangeError(`bar series "${s.name}" has ${s.values.length} values for ${categories.length} categories`);
  }
  const series = options.series.map((s, i) => ({ name: s.name, color: seriesColor(s.color, i), values: s.values }));
  const finiteValues = series.flatMap((s) => s.values.filter(Number.isFinite));
  const valueAxis = options.valueAxis ?? {};
  const horizontal = options.horizontal ?? false;
  const head = titleAndLegend(options.title, width, series.map((s) => ({ name: s.name, color: s.color, symbol: 'box' })));
  // Horizontal charts grow with their categories, so every name gets a readable row.
  const rowHeight = series.length * 14 + 12;
  const height = validSize(options.height, horizontal ? Math.max(MIN_SIZE, head.bottom + categories.length * rowHeight + BOTTOM_MARGIN_WITH_TITLE) : DEFAULT_HEIGHT);
  if (finiteValues.length === 0) return emptyChart(options.title, width, height);

  const [dataMin, dataMax] = extent(finiteValues);
  // Bars start at zero, so zero is always in the domain (unless an end is fixed beyond it).
  const scale = axisScale(valueAxis, Math.min(0, dataMin), Math.max(0, dataMax), horizontal ? Math.max(2, Math.round(width / 110)) : 5);
  const format = options.format ?? ((v: number) => formatTick(v, scale.step));
  const showValues = finiteValues.length <= MAX_LABELLED_BARS;
  const zero = Math.min(Math.max(0, scale.min), scale.max);

  const sideLabelChars = Math.min(28, charsFitting(width * 0.35, SMALL_FONT_SIZE));
  const plot = horizontal
    ? sideLabelledPlotArea(width, height, head.bottom, categories.map((c) => truncate(c, sideLabelChars)), showValues ? 56 : 20)
    : plotArea({ width, height, top: head.bottom + (showValues ? 12 : 0), yTickLabels: scale.ticks.map(format), yTitle: Boolean(valueAxis.label), bottomMargin: BOTTOM_MARGIN });
  const toV = horizontal ? linearMap(scale.min, scale.max, plot.left, right(plot)) : linearMap(scale.min, scale.max, bottom(plot), plot.top);
  const zeroAt = toV(zero);
  const band = (horizontal ? plot.height : plot.width) / Math.max(1, categories.length);
  const thickness = (band * 0.8) / series.length;
  const labelChars = horizontal ? sideLabelChars : charsFitting(band - 4, SMALL_FONT_SIZE);

  const bars: string[] = [];
  const valueLabels: string[] = [];
  const categoryLabels: string[] = [];
  categories.forEach((category, c) => {
    const bandStart = (horizontal ? plot.top : plot.left) + c * band;
    categoryLabels.push(
      horizontal
        ? text(category, labelChars, { x: plot.left - 8, y: bandStart + band / 2 + 4, 'text-anchor': 'end', 'font-size': SMALL_FONT_SIZE })
        : text(category, labelChars, { x: bandStart + band / 2, y: bottom(plot) + 16, 'text-anchor': 'middle', 'font-size': SMALL_FONT_SIZE }),
    );
    series.forEach((s, k) => {
      const value = s.values[c]!;
      if (!Number.isFinite(value)) return;
      const across = bandStart + band * 0.1 + k * thickness;
      const end = toV(value);
      const start = Math.min(zeroAt, end);
      const length = Math.abs(end - zeroAt);
      const rect = horizontal ? { x: start, y: across, width: length, height: thickness } : { x: across, y: start, width: thickness, height: length };
      bars.push(element('rect', { class: 'bar', ...rect, fill: s.color }, element('title', {}, escapeXml(`${category}, ${s.name}: ${format(value)}`))));
      if (!showValues) return;
      // The value sits just beyond the bar's end, on the side away from zero.
      const label = escapeXml(format(value));
      const size = SMALL_FONT_SIZE - 1;
      valueLabels.push(
        horizontal
          ? element('text', { x: value >= 0 ? start + length + 4 : start - 4, y: across + thickness / 2 + 4, 'text-anchor': value >= 0 ? 'start' : 'end', 'font-size': size }, label)
          : element('text', { x: across + thickness / 2, y: value >= 0 ? start - 4 : start + length + 12, 'text-anchor': 'middle', 'font-size': size }, label),
      );
    });
  });
  const grid = horizontal ? [...verticalGrid(plot, scale.ticks, toV, format), ...xTitle(plot, valueAxis.label)] : [...horizontalGrid(plot, scale.ticks, toV, format), ...yTitle(plot, valueAxis.label)];
  // With negative values zero sits inside the plot; bars grow from this line.
  const zeroLine = horizontal
    ? element('line', { x1: zeroAt, y1: plot.top, x2: zeroAt, y2: bottom(plot), stroke: AXIS_COLOR })
    : element('line', { x1: plot.left, y1: zeroAt, x2: right(plot), y2: zeroAt, stroke: AXIS_COLOR });
  const description = `Bar chart of ${categories.length} categories. ${series.map((s) => `${s.name}: ${s.values.filter(Number.isFinite).length} bars`).join('; ')}.`;
  return svgDocument(options.title, description, width, height, [...head.markup, ...grid, ...axisLines(plot), zeroLine, ...categoryLabels, clipped(plot, bars), ...valueLabels]);
}
