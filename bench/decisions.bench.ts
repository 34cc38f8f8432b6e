// The decision service under load, beside a bare Fastify endpoint, in the same run:
// 1. HTTP: `wrk` (Debian) POSTs booking decisions (unique event ids, ~40-feature vectors, the default
//    CEL rules, a 300-tree depth-6 model, the decision log on, fsync per group commit) to a riskgate
//    server in its own process; then the same body to a bare Fastify endpoint that echoes it.
// 2. In process: the decision's compute — features read, model, rules, policy, reasons — per request.
// Run: npm run bench:decisions   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_RUNS to change)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainingSet } from '../src/features/index.js';
import { trainModel } from '../src/models/index.js';
import { finalAction, reasonsFor, TOP_FEATURE_REASONS } from '../src/decisions/decide.js';
import type { Contribution } from '../src/models/index.js';
import { openService } from '../src/runtime/service.js';
import { installDefaultRules } from '../src/runtime/rules.js';
import { runSimulation } from '../src/cli/simulate.js';
import { parseEvent } from '../src/events/index.js';
import { fmt, machine, median, quantile, report } from './lib.js';

const DAY = 86_400_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const START = Date.UTC(2026, 0, 5);
const DAYS = 45;
const dir = join(tmpdir(), 'riskgate-bench-decisions-v1');

console.log(`machine: ${machine()}`);
process.env.RISKGATE_QUIET = '1';

// A data directory with a simulated marketplace, a 300-tree depth-6 model and the default rules (cached).
if (!existsSync(join(dir, 'ready'))) {
  console.log(`building the bench world in ${dir} (once)…`);
  mkdirSync(dir, { recursive: true });
  const service = await openService(dir, {});
  await runSimulation({ seed: 9, days: DAYS, users: 10_000, hosts: 1_000, start: START }, { ingest: (e) => service.embedded.features.ingest(e) });
  const training = await buildTrainingSet(service.embedded.log, service.embedded.featureSet, { maturityMs: 14 * DAY });
  const { artifact } = await trainModel(training, { name: 'checkout', gapMs: 3 * DAY, grid: [{ maxDepth: 6, eta: 0.05, nRounds: 300, earlyStoppingRounds: 0, minChildWeight: 0.1 }] });
  await service.embedded.models.register(artifact, 'bench');
  await service.embedded.models.promote(artifact.id, 'active', { actor: 'bench' });
  await installDefaultRules(service.rules, service.embedded, 'bench');
  await service.close();
  writeFileSync(join(dir, 'ready'), 'ok');
}

const LIVE = START + DAYS * DAY + 3_600_000;
function bookingBody(i: number, idPrefix: string) {
  return {
    id: `${idPrefix}${i}`,
    type: 'booking_attempted',
    ts: LIVE + i,
    entities: { user: `u_bench_${i % 5000}`, device: `d_bench_${i % 4000}`, card: `cf_bench_${i % 3000}`, ip: `203.0.113.${i % 250}`, listing: 'l_bench', host: 'h_bench' },
    context: { ip_country: 'US', user_country: 'US', tz_offset_min: -300 },
    payload: { amount: 180 + (i % 700), currency: 'USD', nights: 1 + (i % 5), message: i % 10 === 0 ? 'is early check-in possible?' : undefined },
  };
}

// ---- 2. in process: the compute of a decision ---------------------------------------------------
const service = await openService(dir, {});
const lineup = service.lineup();
const scorer = lineup.active!.scorer;
const rules = service.currentRules();
const engine = service.embedded.features.engine;
const set = service.embedded.featureSet;
const requests = Array.from({ length: 20_000 }, (_, i) => {
  const parsed = parseEvent(JSON.parse(JSON.stringify(bookingBody(i, 'inproc_'))));
  if (!parsed.ok) throw new Error('bad bench request');
  return parsed.event;
});
const vector = new Float64Array(set.vectorNames.length);
const stage = { features: [] as number[], model: [] as number[], rules: [] as number[], total: [] as number[] };
for (let round = 0; round < 2; round++) {
  for (const [i, event] of requests.entries()) {
    const t0 = performance.now();
    engine.vector(event, vector);
    const t1 = performance.now();
    const scored = scorer.scoreWithReasons(vector, TOP_FEATURE_REASONS) as { probability: number; reasons: Contribution[] };
    const t2 = performance.now();
    const outcome = rules.evaluate(event, vector, scored.probability);
    const t3 = performance.now();
    finalAction(outcome.action, scored.probability, lineup.active!.registered.policy);
    reasonsFor(outcome, scored.reasons, set);
    const t4 = performance.now();
    if (round === 1 && i % 2 === 0) {
      stage.features.push((t1 - t0) * 1000);
      stage.model.push((t2 - t1) * 1000);
      stage.rules.push((t3 - t2) * 1000);
      stage.total.push((t4 - t0) * 1000);
    }
  }
}
await service.close();
const q = (xs: number[], p: number) => quantile([...xs].sort((a, b) => a - b), p);
console.log(
  `in process (µs, median / p99): features ${q(stage.features, 0.5).toFixed(1)} / ${q(stage.features, 0.99).toFixed(1)}, model incl. its reasons ${q(stage.model, 0.5).toFixed(1)} / ${q(stage.model, 0.99).toFixed(1)}, rules ${q(stage.rules, 0.5).toFixed(1)} / ${q(stage.rules, 0.99).toFixed(1)}, whole decision incl. reasons ${q(stage.total, 0.5).toFixed(1)} / ${q(stage.total, 0.99).toFixed(1)}`,
);

// ---- 1. over HTTP, with wrk ------------------------------------------------------------------
function startChild(args: string[]): Promise<{ child: ChildProcess; port: number; token: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const ready = /ready (\d+)/.exec(out);
      if (ready) resolve({ child, port: Number(ready[1]), token: /token (\S+)/.exec(out)?.[1] ?? '' });
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

function wrkScript(token: string, idPrefix: string): string {
  const sample = JSON.stringify(bookingBody(0, '__ID__')).replace('"ts":' + LIVE, '"ts":__TS__');
  const path = join(tmpdir(), `riskgate-wrk-${idPrefix}.lua`);
  writeFileSync(
    path,
    `local counter = 0
local template = [[${sample}]]
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer ${token}"
request = function()
  counter = counter + 1
  local body = template:gsub("__ID__0", "${idPrefix}" .. counter):gsub("__TS__", tostring(${LIVE} + counter))
  return wrk.format(nil, "/v1/decisions", nil, body)
end
`,
  );
  return path;
}

interface WrkResult {
  requestsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

function runWrk(port: number, script: string, connections: number, seconds: number): WrkResult {
  const result = spawnSync('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, `http://127.0.0.1:${port}/v1/decisions`], { encoding: 'utf8' });
  const text = result.stdout;
  const ms = (label: string) => {
    const m = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(text);
    if (!m) return NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text);
  return { requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN), p50: ms('50'), p90: ms('90'), p99: ms('99'), errors: errors ? Number(errors[1]) : 0 };
}

const riskgate = await startChild(['test/fixtures/serve-world.ts', dir]);
const bare = await startChild(['bench/reference/bare-fastify.ts']);
const runsRiskgate: WrkResult[] = [];
const runsBare: WrkResult[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    console.log(`run ${run + 1}/${RUNS}: riskgate…`);
    runsRiskgate.push(runWrk(riskgate.port, wrkScript(riskgate.token, `wrk${Date.now()}_${run}_`), CONNECTIONS, SECONDS));
    console.log(`run ${run + 1}/${RUNS}: bare Fastify…`);
    runsBare.push(runWrk(bare.port, wrkScript('none', `bare${run}_`), CONNECTIONS, SECONDS));
  }
  // Latency at half the bare endpoint's throughput: fewer connections until riskgate runs near that rate.
  const target = median(runsBare.map((r) => r.requestsPerSec)) / 2;
  let atHalf: WrkResult | undefined;
  for (const c of [8, 4, 2, 1]) {
    const r = runWrk(riskgate.port, wrkScript(riskgate.token, `half${c}_${Date.now()}_`), c, Math.max(5, Math.round(SECONDS / 2)));
    atHalf = r;
    console.log(`riskgate with ${c} connections: ${fmt(r.requestsPerSec)} req/s, p99 ${r.p99.toFixed(2)} ms`);
    if (r.requestsPerSec <= target * 1.15) break;
  }
  const metrics = await (await fetch(`http://127.0.0.1:${riskgate.port}/metrics`)).text();
  const statuses = [...metrics.matchAll(/riskgate_http_responses_total\{route="\/v1\/decisions",status="(\d+)"\} (\d+)/g)].map((m) => `${m[1]}: ${m[2]}`);
  console.log(`riskgate responses by status: ${statuses.join(', ')}`);
  const rg = { rps: median(runsRiskgate.map((r) => r.requestsPerSec)), p50: median(runsRiskgate.map((r) => r.p50)), p99: median(runsRiskgate.map((r) => r.p99)), errors: runsRiskgate.reduce((a, r) => a + r.errors, 0) };
  const bf = { rps: median(runsBare.map((r) => r.requestsPerSec)), p50: median(runsBare.map((r) => r.p50)), p99: median(runsBare.map((r) => r.p99)) };
  console.log(`riskgate POST /v1/decisions (${CONNECTIONS} connections): ${fmt(rg.rps)} req/s, p50 ${rg.p50.toFixed(2)} ms, p99 ${rg.p99.toFixed(2)} ms, non-2xx ${rg.errors}`);
  console.log(`bare Fastify echo (reference):            ${fmt(bf.rps)} req/s, p50 ${bf.p50.toFixed(2)} ms, p99 ${bf.p99.toFixed(2)} ms`);
  console.log(`ratio riskgate / bare: ${(rg.rps / bf.rps).toFixed(2)}`);
  report('decisions', {
    connections: CONNECTIONS,
    seconds: SECONDS,
    runs: RUNS,
    riskgate: rg,
    bareFastify: bf,
    ratio: +(rg.rps / bf.rps).toFixed(3),
    atHalfBare: atHalf,
    inProcessMicros: {
      features: { p50: q(stage.features, 0.5), p99: q(stage.features, 0.99) },
      model: { p50: q(stage.model, 0.5), p99: q(stage.model, 0.99) },
      rules: { p50: q(stage.rules, 0.5), p99: q(stage.rules, 0.99) },
      total: { p50: q(stage.total, 0.5), p99: q(stage.total, 0.99) },
    },
  });
} finally {
  riskgate.child.kill('SIGTERM');
  bare.child.kill('SIGTERM');
}
