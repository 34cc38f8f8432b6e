import { describe, expect, it } from 'vitest';
import { descendants, parseXml, textContent, type XmlElement } from '../../test/support/well-formed.js';
import { evaluateRows, type EvaluationRow } from './evaluation.js';
import { renderEvaluationHtml } from './report.js';

/** mulberry32: a small seeded generator, so every run evaluates the same rows. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5);
const XSS = '<script>alert("x")</script>';
const SCENARIOS = ['stolen_card', 'card_testing', 'account_takeover', XSS];
const COUNTRIES = Array.from({ length: 20 }, (_, i) => `C${String(i).padStart(2, '0')}`);

/** Rows whose fraud scores higher on average, over ten days, with scenarios, countries and new users. */
function syntheticRows(seed: number, count = 2000): EvaluationRow[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const label = next() < 0.04 ? 1 : 0;
    const margin = (label ? 1.5 : -1.5) + (next() - 0.5) * 5;
    return {
      probability: 1 / (1 + Math.exp(-margin)),
      label,
      ts: START + Math.floor(next() * 10 * DAY),
      user: `u${Math.floor(next() * 600)}`,
      scenario: label ? SCENARIOS[Math.floor(next() * SCENARIOS.length)] : undefined,
      country: COUNTRIES[Math.floor(next() ** 2 * COUNTRIES.length)],
      newUser: next() < 0.3,
    };
  });
}

const byName = (root: XmlElement, name: string) => descendants(root).filter((e) => e.name === name);
const charts = (root: XmlElement) => byName(root, 'svg').filter((svg) => svg.attributes.role === 'img');
const chartTitled = (root: XmlElement, title: string) => charts(root).find((svg) => textContent(svg.children[0]!) === title)!;
const withClass = (root: XmlElement, cls: string) => descendants(root).filter((e) => e.attributes.class === cls);
/** The section under a heading. */
const section = (root: XmlElement, heading: string) => byName(root, 'section').find((s) => textContent(s.children[0]!) === heading)!;
const tableRows = (s: XmlElement) => byName(s, 'tbody').flatMap((body) => body.children);
const headings = (s: XmlElement) => byName(s, 'th').map(textContent);

const options = { reviewsPerDay: 20, entitiesPerDay: 10 };
const report = evaluateRows(syntheticRows(1), options);
const meta = { title: 'Evaluation', model: { id: 'fraud-gbdt', version: '3', type: 'gbdt', featureSetVersion: 'fs-2' } };

describe('renderEvaluationHtml', () => {
  const html = renderEvaluationHtml(report, meta);
  const root = parseXml(html);

  it('renders every section of a well-formed page', () => {
    expect(byName(root, 'h2').map(textContent)).toEqual([
      'Headline',
      'Ranking',
      'Calibration',
      'Score distribution',
      'Recall at review volume by scenario',
      'By fraud scenario',
      'By country',
      'New vs returning users',
      'Settings',
    ]);
    expect(textContent(byName(root, 'p')[0]!)).toBe('Model fraud-gbdt@3 (gbdt, feature set fs-2) · 2026-01-05 to 2026-01-14 (10 days)');
    expect(html).not.toMatch(/NaN|Infinity|undefined|<script/);
  });

  it('shows the headline numbers as tiles', () => {
    const labels = withClass(section(root, 'Headline'), 'kpi-label').map(textContent);
    expect(labels).toEqual([
      'Rows',
      'Fraud rate',
      'ROC AUC',
      'Average precision',
      'Precision at 20/day',
      'Recall at 20/day',
      'Entity precision@10/day',
      'ECE',
      'Brier score',
      'Expected cost at 0.50',
      'Lowest expected cost',
      'Cost-minimising threshold',
    ]);
    const values = withClass(section(root, 'Headline'), 'kpi-value').map(textContent);
    expect(values[0]).toBe('2,000');
    expect(values[2]).toBe(report.overall.auc.toFixed(3));
  });

  it('draws ROC, PR, reliability, score histogram and per-scenario recall charts from the report', () => {
    expect(charts(root).map((svg) => textContent(svg.children[0]!))).toEqual([
      'ROC curve',
      'Precision–recall curve',
      'Reliability diagram',
      'Scores by class · fraud-gbdt@3',
      'Recall at 20 reviews/day by scenario',
    ]);
    expect(withClass(chartTitled(root, 'ROC curve'), 'series').map((line) => line.attributes.points!.split(' ').length)).toEqual([report.roc.length]);
    expect(withClass(chartTitled(root, 'Reliability diagram'), 'point')).toHaveLength(report.calibration.bins.length);
    const histogramBars = [...report.histogram.fraud, ...report.histogram.legit].filter((count) => count > 0).length;
    expect(withClass(chartTitled(root, 'Scores by class · fraud-gbdt@3'), 'bar')).toHaveLength(histogramBars);
    expect(withClass(chartTitled(root, 'Recall at 20 reviews/day by scenario'), 'bar')).toHaveLength(SCENARIOS.length);
  });

  it('tables every scenario, the 15 largest countries and new vs returning users, escaping names', () => {
    const scenarioNames = tableRows(section(root, 'By fraud scenario')).map((row) => textContent(row.children[0]!));
    expect(scenarioNames.sort()).toEqual([...SCENARIOS].sort());
    const countries = section(root, 'By country');
    expect(tableRows(countries)).toHaveLength(15);
    expect(textContent(byName(countries, 'p')[0]!)).toMatch(/^The 15 largest of 20; 5 more with [\d,]+ rows are not shown\.$/);
    // Largest first.
    const countryRows = tableRows(countries).map((row) => Number(textContent(row.children[1]!).replace(/,/g, '')));
    expect(countryRows).toEqual([...countryRows].sort((a, b) => b - a));
    expect(tableRows(section(root, 'New vs returning users')).map((row) => textContent(row.children[0]!))).toEqual(['returning', 'new (no earlier booking)']);
  });

  it('renders the same bytes for the same input, and a time only when given one', () => {
    expect(renderEvaluationHtml(evaluateRows(syntheticRows(1), options), meta)).toBe(html);
    expect(html).not.toContain('generated');
    const stamped = renderEvaluationHtml(report, { ...meta, generatedAt: Date.UTC(2026, 1, 1, 9, 30) });
    expect(stamped).toContain('generated 2026-02-01 09:30 UTC');
  });

  it('renders periods without fraud, without segments and with a single row', () => {
    const legitOnly = syntheticRows(2, 300).map((row) => ({ ...row, label: 0 as const, scenario: undefined, country: undefined, newUser: undefined }));
    for (const rows of [legitOnly, legitOnly.slice(0, 1)]) {
      const page = renderEvaluationHtml(evaluateRows(rows), { title: 'Quiet period' });
      const parsed = parseXml(page);
      expect(page).not.toMatch(/NaN|Infinity|undefined/);
      expect(textContent(section(parsed, 'By fraud scenario'))).toContain('No fraud rows in this period');
      expect(textContent(section(parsed, 'By country'))).toContain('No row carries a country.');
      expect(withClass(section(parsed, 'Headline'), 'kpi-value').map(textContent)[2]).toBe('—'); // ROC AUC needs both classes
    }
  });
});

describe('renderEvaluationHtml comparing two models', () => {
  const candidateRows = syntheticRows(1).map((row, i) => ({ ...row, probability: Math.min(1, row.probability * (0.5 + ((i * 7919) % 100) / 100)) }));
  const candidate = evaluateRows(candidateRows, options);
  const html = renderEvaluationHtml(candidate, { title: 'Candidate vs active', model: { id: 'fraud-gbdt', version: '4' }, compareWith: { name: 'fraud-gbdt@3 (active)', report } });
  const root = parseXml(html);

  it('overlays both models’ curves', () => {
    expect(withClass(chartTitled(root, 'ROC curve'), 'series')).toHaveLength(2);
    expect(withClass(chartTitled(root, 'Precision–recall curve'), 'series')).toHaveLength(3); // and the random-scores baseline
    expect(withClass(chartTitled(root, 'Reliability diagram'), 'point')).toHaveLength(candidate.calibration.bins.length + report.calibration.bins.length);
    expect(withClass(chartTitled(root, 'Recall at 20 reviews/day by scenario'), 'bar')).toHaveLength(2 * SCENARIOS.length);
    expect(charts(root).filter((svg) => textContent(svg.children[0]!).startsWith('Scores by class'))).toHaveLength(2);
  });

  it('puts both models in the headline and segment tables', () => {
    const headline = section(root, 'Headline');
    expect(headings(headline)).toEqual(['Metric', 'fraud-gbdt@4', 'fraud-gbdt@3 (active)', 'Difference']);
    const auc = tableRows(headline).find((row) => textContent(row.children[0]!) === 'ROC AUC')!;
    expect(auc.children.slice(1).map(textContent)).toEqual([
      candidate.overall.auc.toFixed(3),
      report.overall.auc.toFixed(3),
      `${candidate.overall.auc >= report.overall.auc ? '+' : '-'}${Math.abs(candidate.overall.auc - report.overall.auc).toFixed(3)}`,
    ]);
    const countries = section(root, 'By country');
    expect(headings(countries)).toEqual(['', 'ROC AUC', 'Avg precision', 'Recall at volume', 'ECE', 'Brier', 'Segment', 'Rows', 'Fraud rows', 'Fraud rate', ...Array(5).fill(['A', 'B']).flat()]);
    expect(tableRows(countries)[0]!.children).toHaveLength(14);
    expect(textContent(countries)).toContain('A: fraud-gbdt@4, B: fraud-gbdt@3 (active)');
    expect(headings(section(root, 'Settings'))).toEqual(['Setting', 'fraud-gbdt@4', 'fraud-gbdt@3 (active)']);
  });

  it('warns when the two evaluations do not cover the same rows or settings', () => {
    const other = evaluateRows(syntheticRows(3, 500), { reviewsPerDay: 5 });
    const page = renderEvaluationHtml(report, { title: 't', compareWith: { name: 'other', report: other } });
    expect(page).toContain('cover different rows (2,000 and 500)');
    expect(page).toContain('used different settings');
    expect(page).not.toMatch(/NaN|Infinity|undefined/);
  });
});
