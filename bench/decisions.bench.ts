// The decision service under load, beside a bare Fastify endpoint, in the same run:
// 1. HTTP: `wrk` (Debian) POSTs booking decisions (~40-feature vectors, the default CEL rules, a
//    300-tree depth-6 model, the decision log on) to a riskgate server in its own process; then the
//    same bodies to a bare Fastify endpoint that echoes them.
// 2. In process: the decision's compute — features read, model, rules, policy, reasons — per request.
// The traffic is the simulated marketplace's own: every booking attempt of its 45 days (legitimate and
// fraudulent, with each guest's devices, cards, IPs and amounts) sent again under a new id, in a
// shuffled order, with event time moving on by STEP_MS per request, so that a guest books about every
// three days, as in the simulation, and the mix of allow, review and block is the model's and rules'
// on that marketplace rather than an artefact of a few synthetic ids shared by every request.
// Each invocation starts from a fresh copy of the world (built once), so runs are comparable.
// Run: npm run bench:decisions   (BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_RUNS to change)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTrainingSet } from '../src/features/index.js';
import { trainModel } from '../src/models/index.js';
import { finalAction, listsTimeFor, reasonsFor, TOP_FEATURE_REASONS } from '../src/decisions/decide.js';
import type { Contribution } from '../src/models/index.js';
import { openService } from '../src/runtime/service.js';
import { installDefaultRules } from '../src/runtime/rules.js';
import { runSimulation } from '../src/cli/simulate.js';
import { parseEvent } from '../src/events/index.js';
import type { RiskEvent } from '../src/events/schema.js';
import { fmt, machine, median, quantile, report } from './lib.js';

const DAY = 86_400_000;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const START = Date.UTC(2026, 0, 5);
const DAYS = 45;
// v5: the built-in feature set's version since the text detectors' version joined it (a world built
// earlier holds a model of the old version, which the server would refuse: rules-only decisions).
const root = join(tmpdir(), 'riskgate-bench-decisions-v5');
const world = join(root, 'world');
const dir = join(root, 'run');

console.log(`machine: ${machine()}`);
process.env.RISKGATE_QUIET = '1';

// A data directory with a simulated marketplace, a 300-tree depth-6 model and the default rules (cached).
if (!existsSync(join(world, 'ready'))) {
  console.log(`building the bench world in ${world} (once)…`);
  rmSync(world, { recursive: true, force: true });
  mkdirSync(world, { recursive: true });
  const service = await openService(world, {});
  await runSimulation({ seed: 9, days: DAYS, users: 10_000, hosts: 1_000, start: START }, { ingest: (e) => service.embedded.features.ingest(e) });
  const training = await buildTrainingSet(service.embedded.log, service.embedded.featureSet, { maturityMs: 14 * DAY });
  const { artifact } = await trainModel(training, { name: 'checkout', gapMs: 3 * DAY, grid: [{ maxDepth: 6, eta: 0.05, nRounds: 300, earlyStoppingRounds: 0, minChildWeight: 0.1 }] });
  await service.embedded.models.register(artifact, 'bench');
  await service.embedded.models.promote(artifact.id, 'active', { actor: 'bench' });
  await installDefaultRules(service.rules, service.embedded, 'bench');
  await service.close();
  writeFileSync(join(world, 'ready'), 'ok');
}
rmSync(dir, { recursive: true, force: true });
cpSync(world, dir, { recursive: true });

// The traffic: the world's booking attempts, as request bodies with the id and time left open.
const bookings: RiskEvent[] = [];
{
  const service = await openService(dir, {});
  for await (const batch of service.embedded.log.stream({})) for (const { event } of batch) if (event.type === 'booking_attempted') bookings.push(event);
  await service.close();
}
// A fixed shuffle, so that a guest's bookings do not come back to back.
let seed = 12345;
for (let i = bookings.length - 1; i > 0; i--) {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  const j = seed % (i + 1);
  [bookings[i], bookings[j]] = [bookings[j]!, bookings[i]!];
}
const STEP_MS = Math.round((3 * DAY) / bookings.length);
const LIVE = START + DAYS * DAY + 3_600_000;
function bookingBody(i: number, idPrefix: string, base = LIVE) {
  const { entities, context, payload } = bookings[i % bookings.length]!;
  return { id: `${idPrefix}${i}`, type: 'booking_attempted', ts: base + i * STEP_MS, entities, context, payload };
}
// The same bodies for wrk, one per line, with the id and the time to fill in.
const templates = join(root, 'bodies.txt');
writeFileSync(templates, bookings.map((_, i) => JSON.stringify(bookingBody(i, '__ID__', 0)).replace(/"id":"__ID__\d+"/, '"id":"__ID__"').replace(/"ts":\d+/, '"ts":__TS__')).join('\n') + '\n');
console.log(`traffic: ${fmt(bookings.length)} booking attempts of the simulated marketplace, event time +${(STEP_MS / 1000).toFixed(0)} s per request`);

// ---- 2. in process: the compute of a decision ---------------------------------------------------
const service = await openService(dir, {});
const lineup = service.lineup();
const scorer = lineup.active!.scorer;
await scorer.ready; // a tree model runs compiled once this resolves (a server compiles it in the background)
const rules = service.currentRules();
const engine = service.embedded.features.engine;
const set = service.embedded.featureSet;
const requests = Array.from({ length: 20_000 }, (_, i) => {
  const parsed = parseEvent(JSON.parse(JSON.stringify(bookingBody(i, 'inproc_'))));
  if (!parsed.ok) throw new Error(`bad bench request: ${JSON.stringify(parsed.errors)}`);
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
    const outcome = rules.evaluate(event, vector, scored.probability, listsTimeFor(event.ts, Date.now()));
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

function wrkScript(token: string, idPrefix: string, base: number): string {
  const path = join(tmpdir(), `riskgate-wrk-${idPrefix}.lua`);
  writeFileSync(
    path,
    `local counter = 0
local templates = {}
for line in io.lines("${templates}") do templates[#templates + 1] = line end
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer ${token}"
request = function()
  local body = templates[counter % #templates + 1]:gsub("__ID__", "${idPrefix}" .. counter):gsub("__TS__", string.format("%d", ${base} + counter * ${STEP_MS}))
  counter = counter + 1
  return wrk.format(nil, "/v1/decisions", nil, body)
end
`,
  );
  return path;
}

interface WrkResult {
  requests: number;
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
  return { requests: Number(/(\d+) requests in/.exec(text)?.[1] ?? 0), requestsPerSec: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? NaN), p50: ms('50'), p90: ms('90'), p99: ms('99'), errors: errors ? Number(errors[1]) : 0 };
}

// Each load run carries on in event time where the previous one stopped.
let sent = 0;
const nextBase = () => LIVE + sent * STEP_MS;
const loadRiskgate = (prefix: string, connections: number, seconds: number): WrkResult => {
  const result = runWrk(riskgate.port, wrkScript(riskgate.token, prefix, nextBase()), connections, seconds);
  sent += result.requests + 1000;
  return result;
};
const riskgate = await startChild(['test/fixtures/serve-world.ts', dir]);
const bare = await startChild(['bench/reference/bare-fastify.ts']);
const runsRiskgate: WrkResult[] = [];
const runsBare: WrkResult[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    console.log(`run ${run + 1}/${RUNS}: riskgate…`);
    runsRiskgate.push(loadRiskgate(`wrk${run}_`, CONNECTIONS, SECONDS));
    console.log(`run ${run + 1}/${RUNS}: bare Fastify…`);
    runsBare.push(runWrk(bare.port, wrkScript('none', `bare${run}_`, LIVE), CONNECTIONS, SECONDS));
  }
  // Latency at half the bare endpoint's throughput: fewer connections until riskgate runs near that rate.
  const target = median(runsBare.map((r) => r.requestsPerSec)) / 2;
  let atHalf: WrkResult | undefined;
  for (const c of [8, 4, 2, 1]) {
    const r = loadRiskgate(`half${c}_`, c, Math.max(5, Math.round(SECONDS / 2)));
    atHalf = r;
    console.log(`riskgate with ${c} connections: ${fmt(r.requestsPerSec)} req/s, p99 ${r.p99.toFixed(2)} ms`);
    if (r.requestsPerSec <= target * 1.15) break;
  }
  const metrics = await (await fetch(`http://127.0.0.1:${riskgate.port}/metrics`)).text();
  const statuses = [...metrics.matchAll(/riskgate_http_responses_total\{route="\/v1\/decisions",status="(\d+)"\} (\d+)/g)].map((m) => `${m[1]}: ${m[2]}`);
  console.log(`riskgate responses by status: ${statuses.join(', ')}`);
  const actions: Record<string, number> = {};
  for (const m of metrics.matchAll(/riskgate_decisions_total\{action="(\w+)",[^}]*\} (\d+)/g)) actions[m[1]!] = (actions[m[1]!] ?? 0) + Number(m[2]);
  const decided = Object.values(actions).reduce((a, b) => a + b, 0);
  console.log(`riskgate actions: ${Object.entries(actions).map(([a, n]) => `${a} ${((100 * n) / decided).toFixed(1)} %`).join(', ')}`);
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
    actions,
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
