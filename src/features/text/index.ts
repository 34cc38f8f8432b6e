export { textSignals, type TextSignals } from './signals.js';
export { normalizeText } from './normalize.js';
