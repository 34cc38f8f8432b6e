// Prometheus metrics: latency per decision stage, decisions by action and by rule, degradations by
// reason, the models being served. One registry per process, scraped at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly stageSeconds = new Histogram({
    name: 'riskgate_decision_stage_seconds',
    help: 'Time spent in each stage of a decision',
    labelNames: ['stage'] as const,
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'riskgate_decisions_total',
    help: 'Decisions by action and by how the deciding model was chosen',
    labelNames: ['action', 'model_mode'] as const,
    registers: [this.registry],
  });
  readonly ruleHits = new Counter({
    name: 'riskgate_rule_hits_total',
    help: 'Rule hits, shadow rules included (shadow="true")',
    labelNames: ['rule', 'shadow'] as const,
    registers: [this.registry],
  });
  readonly ruleErrors = new Counter({
    name: 'riskgate_rule_errors_total',
    help: 'Rules that failed to evaluate on a request',
    labelNames: ['rule'] as const,
    registers: [this.registry],
  });
  readonly degraded = new Counter({
    name: 'riskgate_degraded_decisions_total',
    help: 'Decisions made without part of their usual inputs, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly events = new Counter({
    name: 'riskgate_events_total',
    help: 'Events received, by type and outcome (appended, duplicate, rejected)',
    labelNames: ['type', 'status'] as const,
    registers: [this.registry],
  });
  readonly modelInfo = new Gauge({
    name: 'riskgate_model_info',
    help: 'Models being served (value 1), by id, version and stage',
    labelNames: ['model_id', 'name', 'version', 'stage'] as const,
    registers: [this.registry],
  });
  readonly httpResponses = new Counter({
    name: 'riskgate_http_responses_total',
    help: 'HTTP responses by route and status code',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly killSwitch = new Gauge({ name: 'riskgate_kill_switch', help: '1 while the model kill switch is on', registers: [this.registry] });

  /** When the counters started (this process's start): what the counts below are "since". */
  readonly since = Date.now();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'riskgate_' });
  }

  /** Decisions, and each rule's hits (acting and shadow) and errors, counted since `since`. */
  async ruleCounts(): Promise<{ since: number; decisions: number; rules: Record<string, { hits: number; shadow_hits: number; errors: number }> }> {
    const rules: Record<string, { hits: number; shadow_hits: number; errors: number }> = Object.create(null);
    const of = (id: string) => (rules[id] ??= { hits: 0, shadow_hits: 0, errors: 0 });
    for (const { value, labels } of (await this.ruleHits.get()).values) of(String(labels.rule))[labels.shadow === 'true' ? 'shadow_hits' : 'hits'] += value;
    for (const { value, labels } of (await this.ruleErrors.get()).values) of(String(labels.rule)).errors += value;
    const decisions = (await this.decisions.get()).values.reduce((sum, { value }) => sum + value, 0);
    return { since: this.since, decisions, rules };
  }
}
