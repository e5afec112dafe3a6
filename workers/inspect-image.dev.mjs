// Source checkouts only: a sandboxed child cannot load TypeScript, so tsx is registered first.
// Compiled runs use dist/workers/inspect-image.js instead (src/queue/processor-path.ts).
import { register } from 'tsx/esm/api';

register();
const processor = await import('./inspect-image.ts');
export default processor.default;
