// Source checkouts only: a worker thread cannot load TypeScript on its own, so tsx is registered
// first. Compiled runs start dist/src/facts/layer-thread.js instead (layer-thread-pool.ts).
import { register } from 'tsx/esm/api';

register();
await import('./layer-thread.ts');
