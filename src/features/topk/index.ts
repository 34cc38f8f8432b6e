export { TopK, type ScoredEntity } from './topk.js';
