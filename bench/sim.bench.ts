// Simulator throughput: events generated per second (median of 5 runs of 1M events with the default
// population), reported against a reference measured in the same process on the same machine —
// JSON.stringify of the same number of pre-built simulator events — since absolute rates on a
// shared machine drift. Also reports peak RSS, which should stay flat: the run is streamed.
// Prints one JSON line, then a human-readable line. SIM_BENCH_EVENTS overrides the event count.
import { cpus } from 'node:os';
import { simulate, type RawEvent } from '../src/sim/index.js';

const EVENTS = Number(process.env.SIM_BENCH_EVENTS ?? 1_000_000);
const RUNS = 5;
const SAMPLE_SIZE = 20_000;
/** Long enough that the default population produces more than EVENTS events. */
const DAYS = Math.max(60, Math.ceil(EVENTS / 12_000));

function simulationRate(seed: number): { perSecond: number; peakRss: number } {
  let peakRss = process.memoryUsage.rss();
  let count = 0;
  const started = performance.now();
  for (const _event of simulate({ seed, days: DAYS })) {
    if (++count === EVENTS) break;
    if (count % 100_000 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  const seconds = (performance.now() - started) / 1000;
  if (count < EVENTS) throw new Error(`the simulation produced only ${count} events`);
  return { perSecond: count / seconds, peakRss };
}

function stringifyRate(sample: readonly RawEvent[]): number {
  let bytes = 0;
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) bytes += JSON.stringify(sample[i % sample.length]).length;
  const seconds = (performance.now() - started) / 1000;
  if (bytes === 0) throw new Error('nothing serialised');
  return EVENTS / seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const sample: RawEvent[] = [];
for (const event of simulate({ seed: 999 })) if (sample.push(event) === SAMPLE_SIZE) break;

const simRates: number[] = [];
const referenceRates: number[] = [];
let peakRss = 0;
// Interleaved, so both sides see the same machine conditions.
for (let run = 0; run < RUNS; run++) {
  const sim = simulationRate(run + 1);
  simRates.push(sim.perSecond);
  peakRss = Math.max(peakRss, sim.peakRss);
  referenceRates.push(stringifyRate(sample));
}

const simPerSecond = median(simRates);
const referencePerSecond = median(referenceRates);
const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}`;
const result = {
  bench: 'sim',
  events: EVENTS,
  runs: RUNS,
  sim_events_per_s: Math.round(simPerSecond),
  reference: 'JSON.stringify of pre-built simulator events',
  reference_events_per_s: Math.round(referencePerSecond),
  ratio: Number((simPerSecond / referencePerSecond).toFixed(3)),
  peak_rss_mb: Math.round(peakRss / 2 ** 20),
  node: process.version,
  machine,
};
console.log(JSON.stringify(result));
console.log(
  `simulator: ${Math.round(simPerSecond / 1000)}k events/s (median of ${RUNS} × ${EVENTS} events) = ${result.ratio}× JSON.stringify of the same events ` +
    `(${Math.round(referencePerSecond / 1000)}k/s); peak RSS ${result.peak_rss_mb} MB; ${machine}, node ${process.version}`,
);
