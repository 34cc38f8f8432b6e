export { velocity, minuteOf, MS_PER_MINUTE, type VelocityResult } from './velocity.js';
