// Reasons a reviewer understands: which rules fired, and which features pushed the score — said with
// the feature's own description and its value.
import type { FeatureSet, WindowedFeature } from '../features/index.js';
import type { Contribution } from '../models/index.js';
import type { Reason } from './decision.js';

export function featureReason(set: FeatureSet, c: Contribution): Reason {
  const { description, format, unknown } = wordingOf(set, c.feature);
  const direction = c.contribution > 0 ? 'raises' : 'lowers';
  const value = Number.isNaN(c.value) ? null : c.value;
  const shown = value === null ? unknown : format(value);
  return { kind: 'feature', feature: c.feature, value, contribution: c.contribution, text: `${description}: ${shown} — ${direction} the risk` };
}

interface Wording {
  description: string;
  format: (value: number) => string;
  /** How a missing value reads: a windowed feature's entity was never seen or is idle; a request-time feature's input was absent. */
  unknown: string;
}

/** How each feature is worded, worked out once per feature set rather than on every decision. */
const wordings = new WeakMap<FeatureSet, Map<string, Wording>>();

function wordingOf(set: FeatureSet, name: string): Wording {
  let bySet = wordings.get(set);
  if (bySet === undefined) {
    bySet = new Map();
    wordings.set(set, bySet);
  }
  let wording = bySet.get(name);
  if (wording === undefined) {
    const def = set.get(name);
    const windowed = def !== undefined && (def.kind ?? 'windowed') === 'windowed';
    wording = { description: capitalise(def?.description || name.replace(/_/g, ' ')), format: formatterFor(def as WindowedFeature | undefined, name), unknown: windowed ? 'unknown (never seen or idle)' : 'unknown' };
    bySet.set(name, wording);
  }
  return wording;
}

function formatterFor(def: WindowedFeature | undefined, name: string): (value: number) => string {
  if (def?.agg === 'since_last' || def?.agg === 'since_first') return humanDuration;
  if (/_days$/.test(name)) return (value) => `${value.toFixed(1)} days`;
  if (/^(first_use|has_|message_off|card_country_mismatch|ip_country_mismatch)/.test(name) || name.endsWith('_burst')) return (value) => (value >= 0.5 ? 'yes' : 'no');
  if (/ratio|rate|_vs_/.test(name)) return (value) => value.toFixed(2);
  return (value) => (Number.isInteger(value) ? String(value) : value.toFixed(2));
}

function humanDuration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
