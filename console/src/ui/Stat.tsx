import type { ReactNode } from 'react';

/** One figure of a <dl className="stats">: a label over a large value, with an optional hint. */
export function Stat({ label, value, hint, tone }: { label: string; value: ReactNode; hint?: ReactNode; tone?: 'warning' | 'danger' }) {
  return (
    <div className={tone ? `stat stat-${tone}` : 'stat'}>
      <dt>{label}</dt>
      <dd>
        <span className="stat-value">{value}</span>
        {hint ? <span className="stat-hint">{hint}</span> : null}
      </dd>
    </div>
  );
}
