import { describe, expect, it } from 'vitest';
import { page, type Section } from './html.js';
import { lineChart } from './svg.js';
import { descendants, parseXml, textContent, type XmlElement } from '../../test/support/well-formed.js';

const XSS = '<script>alert("x")</script>';
const byName = (root: XmlElement, name: string) => descendants(root).filter((e) => e.name === name);

describe('page', () => {
  const chart = lineChart({ title: 'curve', x: {}, y: {}, series: [{ name: 's', points: [[0, 0], [1, 1]] }] });
  const sections: Section[] = [
    { heading: 'Headline', kpis: [{ label: 'ROC AUC', value: '0.912', hint: 'random: 0.5' }, { label: XSS, value: XSS }] },
    {
      heading: 'Segments',
      table: { columns: ['Segment', 'Rows', 'AUC'], groups: [{ label: '', span: 1 }, { label: 'metrics', span: 2 }], rows: [[XSS, 1234567, 0.5], ['b', null, '']], numeric: [false, true, true] },
      note: 'Top 15 only.',
    },
    { heading: 'Charts', charts: [chart, chart] },
    { heading: 'How to read', text: `First paragraph ${XSS}.\n\n  Second paragraph.\n\n\n` },
  ];
  const html = page({ title: `Report ${XSS}`, subtitle: 'model v1 · 2026-01-05', sections });

  it('is a complete, well-formed HTML5 document with the sections in order', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
    const root = parseXml(html);
    expect(root.name).toBe('html');
    expect(byName(root, 'h2').map(textContent)).toEqual(['Headline', 'Segments', 'Charts', 'How to read']);
    expect(byName(root, 'title').map(textContent)[0]).toBe(`Report ${XSS}`);
    expect(textContent(byName(root, 'h1')[0]!)).toBe(`Report ${XSS}`);
  });

  it('escapes every text from data', () => {
    expect(html).not.toContain('<script');
    const root = parseXml(html);
    const cells = byName(root, 'td').map(textContent);
    expect(cells[0]).toBe(XSS);
    expect(byName(root, 'div').filter((d) => d.attributes.class === 'kpi-label').map(textContent)).toEqual(['ROC AUC', XSS]);
  });

  it('renders KPI tiles, tables with grouped headings and number formatting, charts and paragraphs', () => {
    const root = parseXml(html);
    expect(byName(root, 'div').filter((d) => d.attributes.class === 'kpi')).toHaveLength(2);
    expect(byName(root, 'th').map(textContent)).toEqual(['', 'metrics', 'Segment', 'Rows', 'AUC']);
    expect(byName(root, 'td').map(textContent)).toEqual([XSS, '1,234,567', '0.50', 'b', '—', '—']);
    expect(byName(root, 'td').map((td) => td.attributes.class)).toEqual([undefined, 'num', 'num', undefined, 'num', 'num']);
    expect(byName(root, 'svg').filter((svg) => svg.attributes.role === 'img')).toHaveLength(2);
    expect(byName(root, 'p').map(textContent)).toEqual(['model v1 · 2026-01-05', 'Top 15 only.', `First paragraph ${XSS}.`, 'Second paragraph.']);
  });

  it('needs nothing outside the file', () => {
    for (const external of ['<script', '<link', ' src=', 'url(', '@import']) expect(html).not.toContain(external);
  });

  it('refuses column groups that do not cover the columns', () => {
    expect(() => page({ title: 't', sections: [{ heading: 'h', table: { columns: ['a', 'b'], groups: [{ label: 'g', span: 1 }], rows: [] } }] })).toThrow(RangeError);
  });

  it('renders an empty page', () => {
    const root = parseXml(page({ title: 'Nothing', sections: [] }));
    expect(byName(root, 'section')).toHaveLength(0);
    expect(byName(root, 'p')).toHaveLength(0);
  });
});
