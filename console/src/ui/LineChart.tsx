// A small SVG line chart over a threshold axis (0…1, square-root scale: calibrated probabilities crowd
// near 0, where the thresholds that matter usually are): one or more curves, a marker at the chosen
// threshold and an optional horizontal reference line (the review capacity). The figure's description
// says in words what the marker shows, for screen readers.

export interface ChartSeries {
  label: string;
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Colour slot in styles.css (.series-1 …). */
  slot: 1 | 2 | 3;
}

export interface LineChartProps {
  title: string;
  description: string;
  xLabel: string;
  series: ChartSeries[];
  marker: number;
  reference?: { y: number; label: string };
  formatY(value: number): string;
}

const WIDTH = 420;
const HEIGHT = 200;
const MARGIN = { top: 14, right: 14, bottom: 34, left: 56 };
const PLOT_WIDTH = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_HEIGHT = HEIGHT - MARGIN.top - MARGIN.bottom;
const X_TICKS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1];

export function LineChart({ title, description, xLabel, series, marker, reference, formatY }: LineChartProps) {
  const values = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const yTicks = niceTicks(Math.max(0, ...values, reference?.y ?? 0));
  const yMax = yTicks[yTicks.length - 1]!;
  const toX = (x: number) => MARGIN.left + Math.sqrt(Math.min(1, Math.max(0, x))) * PLOT_WIDTH;
  const toY = (y: number) => MARGIN.top + PLOT_HEIGHT - (y / yMax) * PLOT_HEIGHT;

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={description}>
        {yTicks.map((tick) => (
          <g key={tick} className="chart-grid">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={toY(tick)} y2={toY(tick)} />
            <text x={MARGIN.left - 6} y={toY(tick)} textAnchor="end" dominantBaseline="middle">
              {formatY(tick)}
            </text>
          </g>
        ))}
        {X_TICKS.map((tick) => (
          <text key={tick} className="chart-axis-label" x={toX(tick)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
            {tick.toFixed(2)}
          </text>
        ))}
        <text className="chart-axis-label" x={MARGIN.left + PLOT_WIDTH / 2} y={HEIGHT - 4} textAnchor="middle">
          {xLabel}
        </text>
        {reference ? (
          <g className="chart-reference">
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={toY(reference.y)} y2={toY(reference.y)} />
            <text x={WIDTH - MARGIN.right} y={toY(reference.y) - 5} textAnchor="end">
              {reference.label}
            </text>
          </g>
        ) : null}
        {series.map((s) => (
          <path key={s.label} className={`chart-line series-${s.slot}`} d={linePath(s.points, toX, toY)} />
        ))}
        <line className="chart-marker" x1={toX(marker)} x2={toX(marker)} y1={MARGIN.top} y2={MARGIN.top + PLOT_HEIGHT} />
        {series.map((s) => {
          const y = valueAt(s.points, marker);
          return Number.isFinite(y) ? <circle key={s.label} className={`chart-dot series-${s.slot}`} cx={toX(marker)} cy={toY(y)} r={4} /> : null;
        })}
      </svg>
      {series.length > 1 ? (
        <ul className="chart-legend">
          {series.map((s) => (
            <li key={s.label}>
              <span className={`chart-swatch series-${s.slot}`} aria-hidden="true" />
              {s.label}
            </li>
          ))}
        </ul>
      ) : null}
    </figure>
  );
}

/** The path through the finite points, broken where a value is missing. */
function linePath(points: ReadonlyArray<{ x: number; y: number }>, toX: (x: number) => number, toY: (y: number) => number): string {
  let path = '';
  let drawing = false;
  for (const { x, y } of points) {
    if (!Number.isFinite(y)) {
      drawing = false;
      continue;
    }
    path += `${drawing ? 'L' : 'M'}${toX(x).toFixed(1)},${toY(y).toFixed(1)}`;
    drawing = true;
  }
  return path;
}

/** The curve's value at x, linear between neighbouring points (points are sorted by x). */
function valueAt(points: ReadonlyArray<{ x: number; y: number }>, x: number): number {
  const after = points.findIndex((p) => p.x >= x);
  if (after === -1) return points[points.length - 1]?.y ?? NaN;
  const right = points[after]!;
  const left = points[after - 1];
  if (!left || right.x === left.x) return right.y;
  return left.y + ((x - left.x) / (right.x - left.x)) * (right.y - left.y);
}

/** Round tick values from 0 up to at least `max`: 0, 5, 10, 15, 20 rather than 0, 4.7, 9.4 … */
function niceTicks(max: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let tick = 0; tick < max + step / 2 && ticks.length < 7; tick += step) ticks.push(Number(tick.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}
