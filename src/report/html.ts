// A complete, self-contained HTML report page: inline CSS, no script, no external resources, so the
// file can be mailed, archived or opened offline and looks the same everywhere. Every text is
// escaped; the page is also well-formed XML (void elements are self-closed), which the tests check.
import { MISSING, formatNumber } from './format.js';
import { escapeXml } from './text.js';

export interface Kpi {
  label: string;
  /** Already formatted, e.g. with formatPercent. */
  value: string;
  /** A short line under the value: the base it was measured on, or what a good value looks like. */
  hint?: string;
}

/** A table cell: text as given, a number through formatNumber, null or undefined as "—". */
export type Cell = string | number | null | undefined;

export interface Table {
  columns: readonly string[];
  /** A header row above the columns, e.g. one metric over a column per model; spans add up to the columns. */
  groups?: ReadonlyArray<{ label: string; span: number }>;
  rows: ReadonlyArray<readonly Cell[]>;
  /** Per column: right-aligned tabular figures. */
  numeric?: readonly boolean[];
}

interface SectionBase {
  heading: string;
  /** A note under the section's content: how to read it, what was left out. */
  note?: string;
}

export interface KpiSection extends SectionBase {
  kpis: readonly Kpi[];
}

export interface TableSection extends SectionBase {
  table: Table;
}

export interface ChartSection extends SectionBase {
  /** SVG markup from ./svg.js, inserted as is: it must never be built from unescaped input. */
  charts: readonly string[];
}

export interface TextSection extends SectionBase {
  /** Paragraphs separated by blank lines. */
  text: string;
}

export type Section = KpiSection | TableSection | ChartSection | TextSection;

export interface PageOptions {
  title: string;
  subtitle?: string;
  sections: readonly Section[];
}

// No "<" or "&" anywhere in the CSS, so the <style> element stays valid XML character data.
const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1f2328; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
header, main { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 6px; }
.subtitle { color: #57606a; margin: 0; max-width: none; }
section { background: #fff; border: 1px solid #d8dee4; border-radius: 8px; padding: 16px 20px; margin: 20px 0; }
h2 { font-size: 1.15rem; margin: 0 0 12px; }
p { margin: 0 0 10px; max-width: 80ch; }
.note { color: #57606a; font-size: 0.85rem; margin: 10px 0 0; }
.kpis { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; }
.kpi { border: 1px solid #d8dee4; border-radius: 6px; padding: 10px 12px; }
.kpi-label { color: #57606a; font-size: 0.78rem; letter-spacing: 0.03em; text-transform: uppercase; }
.kpi-value { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.kpi-hint { color: #57606a; font-size: 0.8rem; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts svg { display: block; max-width: 100%; height: auto; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { padding: 5px 10px; border-bottom: 1px solid #eaeef2; text-align: left; vertical-align: bottom; }
th { background: #f6f8fa; font-weight: 600; }
th.group { text-align: center; border-bottom: 1px solid #d8dee4; }
td { white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:hover { background: #f6f8fa; }
@media print {
  body { background: #fff; font-size: 12px; }
  header, main { max-width: none; padding: 0; }
  section { border: none; padding: 0; margin: 16px 0; }
  .kpi, .charts svg, tr { break-inside: avoid; }
  h2 { break-after: avoid; }
}
`.trim();

const cellText = (cell: Cell) => (typeof cell === 'number' ? formatNumber(cell) : cell === null || cell === undefined || cell === '' ? MISSING : cell);

function kpiGrid(kpis: readonly Kpi[]): string {
  const tiles = kpis.map((kpi) =>
    [
      '<div class="kpi">',
      `<div class="kpi-label">${escapeXml(kpi.label)}</div>`,
      `<div class="kpi-value">${escapeXml(kpi.value)}</div>`,
      kpi.hint ? `<div class="kpi-hint">${escapeXml(kpi.hint)}</div>` : '',
      '</div>',
    ].join(''),
  );
  return `<div class="kpis">\n${tiles.join('\n')}\n</div>`;
}

function table({ columns, groups, rows, numeric = [] }: Table): string {
  const cls = (column: number) => (numeric[column] ? ' class="num"' : '');
  const headRows = [`<tr>${columns.map((column, i) => `<th scope="col"${cls(i)}>${escapeXml(column)}</th>`).join('')}</tr>`];
  if (groups) {
    const spanned = groups.reduce((sum, group) => sum + group.span, 0);
    if (spanned !== columns.length) throw new RangeError(`column groups span ${spanned} columns of ${columns.length}`);
    const cells = groups.map((group) => `<th scope="colgroup" colspan="${group.span}" class="group">${escapeXml(group.label)}</th>`);
    headRows.unshift(`<tr>${cells.join('')}</tr>`);
  }
  const body = rows.map((row) => `<tr>${row.map((cell, i) => `<td${cls(i)}>${escapeXml(cellText(cell))}</td>`).join('')}</tr>`);
  return `<div class="table-wrap"><table>\n<thead>\n${headRows.join('\n')}\n</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table></div>`;
}

const paragraphs = (text: string) =>
  text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${escapeXml(paragraph)}</p>`)
    .join('\n');

function sectionContent(section: Section): string {
  if ('kpis' in section) return kpiGrid(section.kpis);
  if ('table' in section) return table(section.table);
  if ('charts' in section) return `<div class="charts">\n${section.charts.join('\n')}\n</div>`;
  return paragraphs(section.text);
}

function renderSection(section: Section): string {
  const note = section.note ? `\n<p class="note">${escapeXml(section.note)}</p>` : '';
  return `<section>\n<h2>${escapeXml(section.heading)}</h2>\n${sectionContent(section)}${note}\n</section>`;
}

/** The whole HTML5 document. */
export function page({ title, subtitle, sections }: PageOptions): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8" />',
    '<meta name="viewport" content="width=device-width, initial-scale=1" />',
    `<title>${escapeXml(title)}</title>`,
    `<style>\n${STYLE}\n</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>${escapeXml(title)}</h1>`,
    ...(subtitle ? [`<p class="subtitle">${escapeXml(subtitle)}</p>`] : []),
    '</header>',
    '<main>',
    ...sections.map(renderSection),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
