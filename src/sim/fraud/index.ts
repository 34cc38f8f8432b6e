// Starts the fraud scenarios and paces them. Each configured intensity is a share of all bookings, so
// each legitimate booking starts a case of scenario s with probability
//   share_s / (1 − Σ shares) / bookingsPerCase_s,
// which makes fraudulent bookings of s an expected share_s of all bookings, whatever the volume.
import { SCENARIOS } from '../types.js';
import type { World } from '../world.js';
import { atoScenario } from './ato.js';
import { cardTestingScenario } from './card-testing.js';
import { offPlatformScenario } from './off-platform.js';
import { promoAbuseScenario } from './promo-abuse.js';
import { reviewRingScenario } from './review-ring.js';
import { stolenCardScenario } from './stolen-card.js';
import { Underground } from './underground.js';

export function startFraud(world: World): void {
  const underground = new Underground(world, world.rng('underground'));
  const drivers = [
    stolenCardScenario(world, underground),
    cardTestingScenario(world, underground),
    atoScenario(world, underground),
    offPlatformScenario(world, underground),
    reviewRingScenario(world),
    promoAbuseScenario(world),
  ];
  const shares = world.config.fraud;
  const legitShare = 1 - SCENARIOS.reduce((sum, s) => sum + shares[s], 0);
  const paced = drivers
    .filter((driver) => shares[driver.scenario] > 0)
    .map((driver) => ({ driver, probability: shares[driver.scenario] / legitShare / driver.bookingsPerCase, rng: world.rng(`pacing:${driver.scenario}`) }));
  world.onLegitBooking((at) => {
    for (const { driver, probability, rng } of paced) if (rng.chance(probability)) driver.launch(at);
  });
}
