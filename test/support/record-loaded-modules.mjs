// Preloaded with `node --import` (after tsx, when tsx is used): appends the URL of every ES module
// the process loads, and at exit the path of every CommonJS module in the require cache, one a
// line, to the file named by PUSHGATE_RECORD_LOADED_MODULES. Tests read it to see what a command
// really loaded; the hooks run in Node's loader thread, hence a file and not a message.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.PUSHGATE_RECORD_LOADED_MODULES;
if (!file) throw new Error('record-loaded-modules.mjs: set PUSHGATE_RECORD_LOADED_MODULES to a file');

const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, nextLoad) {
  appendFileSync(file, url + '\\n');
  return nextLoad(url, context);
}
`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file } });

const require = createRequire(import.meta.url);
process.on('exit', () => {
  appendFileSync(file, Object.keys(require.cache).join('\n') + '\n');
});
