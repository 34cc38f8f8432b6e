// Live leaderboard (TopK treap) vs. the obvious alternatives, in the same run:
// - updates: 1M score updates over 100k entities vs. a plain Map update loop (the floor: any
//   leaderboard does at least that work);
// - topK(100) latency on the 100k-entity board vs. a Map with a full sort per query.
import { TopK } from '../src/features/topk/index.js';
import { fmt, machine, median, quantile, repeat, report } from './lib.js';

const UPDATES = Number(process.env.BENCH_UPDATES ?? 1_000_000);
const ENTITIES = Number(process.env.BENCH_ENTITIES ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const K = 100;
const QUERIES = 2_000;
const NAIVE_QUERIES = 20;

console.log(`machine: ${machine()}`);
console.log(`workload: ${fmt(UPDATES)} updates over ${fmt(ENTITIES)} entities, topK(${K})`);

// Deterministic workload: a skewed entity choice (some entities are hot) and small integer deltas,
// which makes ties common, as with counts.
let seed = 42;
const random = (): number => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
const ids = Array.from({ length: ENTITIES }, (_, i) => `entity-${i.toString(36)}`);
const updateEntity = Array.from({ length: UPDATES }, () => ids[Math.floor(random() ** 2 * ENTITIES)]!);
const updateDelta = Float64Array.from({ length: UPDATES }, () => Math.floor(random() * 20) - 5);

function buildBoard(): TopK {
  const board = new TopK();
  for (let i = 0; i < UPDATES; i++) board.update(updateEntity[i]!, updateDelta[i]!);
  return board;
}

function buildMap(): Map<string, number> {
  const scores = new Map<string, number>();
  for (let i = 0; i < UPDATES; i++) {
    const entity = updateEntity[i]!;
    scores.set(entity, (scores.get(entity) ?? 0) + updateDelta[i]!);
  }
  return scores;
}

function naiveTopK(scores: Map<string, number>, k: number): Array<{ entity: string; score: number }> {
  return [...scores]
    .sort(([ea, a], [eb, b]) => b - a || (ea < eb ? -1 : ea > eb ? 1 : 0))
    .slice(0, k)
    .map(([entity, score]) => ({ entity, score }));
}

function timeMs(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

const boardMs = median(await repeat(RUNS, () => timeMs(buildBoard)));
const mapMs = median(await repeat(RUNS, () => timeMs(buildMap)));

const board = buildBoard();
const scores = buildMap();
const sameAnswer = JSON.stringify(board.topK(K)) === JSON.stringify(naiveTopK(scores, K));

// Per-query latency, with a few updates between queries so each query sees a changed board.
const queryMs = new Float64Array(QUERIES);
for (let q = 0; q < QUERIES; q++) {
  for (let j = 0; j < 10; j++) board.update(updateEntity[(q * 10 + j) % UPDATES]!, 1);
  queryMs[q] = timeMs(() => board.topK(K));
}
queryMs.sort();
const naiveMs = Float64Array.from(await repeat(NAIVE_QUERIES, () => timeMs(() => naiveTopK(scores, K)), 2)).sort();

const updatesPerSec = UPDATES / (boardMs / 1000);
const mapUpdatesPerSec = UPDATES / (mapMs / 1000);
const topkP50Us = quantile(queryMs, 0.5) * 1000;
const topkP99Us = quantile(queryMs, 0.99) * 1000;
const naiveP50Us = quantile(naiveMs, 0.5) * 1000;

console.log(
  `TopK: ${fmt(updatesPerSec)} updates/s (plain Map loop ${fmt(mapUpdatesPerSec)}/s, ratio ${fmt(updatesPerSec / mapUpdatesPerSec, 2)}); ` +
    `topK(${K}) p50 ${fmt(topkP50Us, 1)} µs, p99 ${fmt(topkP99Us, 1)} µs (Map + full sort p50 ${fmt(naiveP50Us)} µs, ` +
    `${fmt(naiveP50Us / topkP50Us)}× slower); same answer: ${String(sameAnswer)}`,
);
report('topk', {
  updates: UPDATES,
  entities: ENTITIES,
  k: K,
  updatesPerSec: Math.round(updatesPerSec),
  mapUpdatesPerSec: Math.round(mapUpdatesPerSec),
  updateRatioToMap: updatesPerSec / mapUpdatesPerSec,
  topkP50Us,
  topkP99Us,
  naiveSortTopkP50Us: naiveP50Us,
  topkSpeedupVsNaive: naiveP50Us / topkP50Us,
  sameAnswer,
});
if (!sameAnswer) process.exitCode = 1;
