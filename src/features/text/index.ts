export { textSignals, TEXT_SIGNALS_VERSION, type TextSignals } from './signals.js';
export { normalizeText } from './normalize.js';
