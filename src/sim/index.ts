// The marketplace simulator: a deterministic stream of raw events from a short-term-stays marketplace
// with legitimate behaviour, six fraud scenarios, delayed labels and delivery faults (late and
// duplicate events). Ground truth rides on every event in `truth`.
//
//   for (const event of simulate({ seed: 7, days: 30 })) …
//
// Events come out in nondecreasing `ts`, except the deliberately late ones and retried duplicates.
// Memory holds the population and what is pending (sessions, stays, labels in flight), never the run.
import { resolveSimConfig, type SimOptions } from './config.js';
import { startFraud } from './fraud/index.js';
import { startLegitimateMarketplace } from './legit.js';
import type { RawEvent } from './types.js';
import { World } from './world.js';

export { DEFAULT_SIM_CONFIG, resolveSimConfig, type LabelConfig, type SimConfig, type SimOptions } from './config.js';
export { LABEL_COVERAGE, REVIEWER_ERROR_RATE } from './labels.js';
export { SimSummary, type SummaryRow } from './summary.js';
export { SCENARIOS, type RawEvent, type RawEventByType, type Scenario, type Truth } from './types.js';

/**
 * The run as a lazy stream; the same seed and config always yield byte-identical events. The config
 * is checked (RangeError) and the population built at the call, events are generated as consumed.
 */
export function simulate(config: SimOptions = {}): Generator<RawEvent> {
  const world = new World(resolveSimConfig(config));
  startLegitimateMarketplace(world);
  startFraud(world);
  return world.engine.run();
}
