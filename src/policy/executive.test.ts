import { describe, expect, it } from 'vitest';
import { descendants, parseXml, textContent, type XmlElement } from '../../test/support/well-formed.js';
import type { EvaluationRow } from '../models/evaluation.js';
import type { CostModel } from './costs.js';
import { renderExecutivePage, type ExecutivePageInput } from './executive.js';
import { optimizePolicy } from './optimize.js';
import { DAY_MS } from './rows.js';
import { syntheticPeriod } from './synthetic.js';

const byName = (root: XmlElement, name: string) => descendants(root).filter((e) => e.name === name);
const START = Date.UTC(2026, 2, 2);

/**
 * Two identical days. Each: ten $100 frauds and one good customer at 0.9, four $50 frauds and six
 * good customers at 0.5, two $100 frauds among a hundred good customers at 0.01. With ten reviews a
 * day the best policy blocks 0.9 and reviews 0.5: 10 reviews, $1,200 of $1,400 stopped, 1 good
 * customer blocked a day.
 */
function handMadePeriod(): EvaluationRow[] {
  const rows: EvaluationRow[] = [];
  for (const day of [0, 1]) {
    const add = (count: number, probability: number, label: 0 | 1, amount: number) => {
      for (let i = 0; i < count; i++) rows.push({ probability, label, amount, ts: START + day * DAY_MS + i * 60_000 });
    };
    add(10, 0.9, 1, 100);
    add(1, 0.9, 0, 80);
    add(4, 0.5, 1, 50);
    add(6, 0.5, 0, 80);
    add(2, 0.01, 1, 100);
    add(100, 0.01, 0, 80);
  }
  return rows;
}

function input(rows: EvaluationRow[], overrides: Partial<ExecutivePageInput> = {}, costs: CostModel = { fnCost: { kind: 'amount', multiplier: 1 }, fpCost: 20, reviewCost: 5 }): ExecutivePageInput {
  const result = optimizePolicy(rows, { ...costs, capacityPerDay: 10, bootstrap: { resamples: 200 } });
  return { modelName: 'checkout', modelId: 'm_0123456789abcdef', period: { from: START, to: START + 2 * DAY_MS - 1 }, policy: result.policy, result, currency: '$', ...overrides };
}

describe('renderExecutivePage', () => {
  const page = input(handMadePeriod());
  const html = renderExecutivePage(page);
  const root = parseXml(html);
  const paragraphs = byName(root, 'p').map(textContent);

  it('renders a well-formed, self-contained page with its sections in order', () => {
    expect(page.result.policy).toEqual({ block: 0.9, review: 0.5 });
    expect(root.name).toBe('html');
    expect(byName(root, 'h2').map(textContent)).toEqual([
      'At a glance',
      'In numbers',
      'Moving the block threshold',
      'Moving the review threshold',
      'Compared with a cutoff read off the precision–recall curve',
      'The three policies side by side',
      'How these numbers were worked out',
    ]);
    expect(byName(root, 'svg').filter((svg) => svg.attributes.role === 'img')).toHaveLength(5);
    for (const external of ['<script', '<link', ' src=', 'url(']) expect(html).not.toContain(external);
  });

  it('opens with the headline sentence and the thresholds in words', () => {
    expect(paragraphs).toContain('At this threshold we review 10 cases a day, stop $1,200 of fraud a day (85.7% of all fraud by value), and block 1 good customers a day.');
    expect(paragraphs).toContain('A transaction is blocked when its fraud probability is at least 90.0%, and goes to review from 50.0%.');
    expect(paragraphs).toContain('The review team can take 10 cases a day. Even on the busiest day of the period (2026-03-02) this policy sends 10, so the queue does not pile up.');
    // Two identical days: every re-drawn period is the same, so each range is a single number.
    expect(paragraphs.find((p) => p.startsWith('How sure are we?'))).toContain('we would expect 10 reviews a day, $1,200 of fraud stopped a day (85.7% of it), and 1 good customers blocked a day');
    expect(paragraphs).toContain('Compared with doing nothing, it saves $2,260 over the 2 days (likely $2,260).');
  });

  it('compares with the best-F1 cutoff in words and in a table', () => {
    const cells = byName(root, 'tr').map((tr) => byName(tr, 'td').map(textContent)).filter((row) => row.length > 0);
    expect(cells.map((row) => row[0])).toEqual(['Chosen: cost and capacity', 'Best-F1 cutoff, blocking', 'Best-F1 cutoff, reviewing']);
    expect(cells[0]).toEqual(['Chosen: cost and capacity', '90.0%', '50.0%', '10', '10', '0', '$1,200', '85.7%', '1', '$2,260']);
    expect(paragraphs.some((p) => p.includes('(the best F1 score): here 50.0%'))).toBe(true);
    expect(paragraphs.some((p) => p.includes('21 reviews a day and 21 on the busiest day: 2 of 2 days over the team\'s capacity'))).toBe(true);
  });

  it('is deterministic and never prints NaN, Infinity or undefined', () => {
    expect(renderExecutivePage(page)).toBe(html);
    const realistic = renderExecutivePage(input(syntheticPeriod()));
    parseXml(realistic);
    for (const text of [html, realistic]) for (const bad of ['NaN', 'Infinity', 'undefined']) expect(text).not.toContain(bad);
  });

  it('escapes names and prints savings in cost units when missed fraud is priced in false alarms', () => {
    const xss = '<script>alert(1)</script>';
    const other = renderExecutivePage(input(handMadePeriod(), { modelName: xss, generatedAt: Date.UTC(2026, 2, 4, 9, 30) }, { fnCost: { kind: 'multiple', value: 30 }, fpCost: 1, reviewCost: 0.2 }));
    expect(other).not.toContain('<script>');
    const otherRoot = parseXml(other);
    expect(textContent(byName(otherRoot, 'h1')[0]!)).toContain(xss);
    expect(textContent(byName(otherRoot, 'p')[0]!)).toContain('generated 2026-03-04 09:30 UTC');
    expect(other).toContain('cost units');
  });

  it('refuses a policy other than the one the figures were computed for', () => {
    expect(() => renderExecutivePage({ ...page, policy: { block: 0.8, review: 0.5 } })).toThrow(/not for block 0.8/);
  });
});
