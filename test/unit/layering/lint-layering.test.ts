import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = 'import-x/no-restricted-paths';

const eslint = new ESLint({ cwd: REPO });

/** The composition root allowed to build registry writers, as the lint configuration names it. */
async function clientRoot(): Promise<string> {
  const config = (await import(pathToFileURL(`${REPO}eslint.config.js`).href)) as { CLIENT_ROOT: string };
  return config.CLIENT_ROOT;
}

/**
 * The layering messages for `code` linted as if it were the file at `filePath` (which need not
 * exist). The imported files must exist: an import the resolver cannot find is never reported, so
 * every "reported" case below also proves that `.js` specifiers resolve to the `.ts` files.
 */
async function layeringMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(REPO, filePath) });
  return result.messages.filter((message) => message.ruleId === RULE).map((message) => message.message);
}

describe('layering rules in lint (eslint.config.js)', () => {
  it('core never imports transport', async () => {
    const messages = await layeringMessages(
      'src/registry/layering-probe.ts',
      "import { main } from '../cli/main.js';\nexport { main };\n",
    );
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringContaining('Core never imports transport')]),
    );
    expect(
      await layeringMessages('src/registry/layering-probe.ts', "export * from '../errors.js';\n"),
    ).toEqual([]);
  });

  it('a type-only import counts as an import', async () => {
    const messages = await layeringMessages(
      'src/facts/layering-probe.ts',
      "import type { PushEvent } from '../webhooks/types.js';\nexport type Probe = PushEvent;\n",
    );
    expect(messages).toEqual(
      expect.arrayContaining([expect.stringContaining('Core never imports transport')]),
    );
  });

  it('webhooks never import inspect, registry or image', async () => {
    for (const target of [
      '../inspect/walk-layer.js',
      '../registry/auth.js',
      '../image/open-image-source.js',
    ]) {
      const messages = await layeringMessages(
        'src/webhooks/layering-probe.ts',
        `export * from '${target}';\n`,
      );
      expect(messages, target).toEqual([expect.stringContaining('Webhook adapters read payloads only')]);
    }
    expect(
      await layeringMessages('src/webhooks/layering-probe.ts', "export * from '../config/types.js';\n"),
    ).toEqual([]);
  });

  it('extractors never import each other; the list in index.ts imports them all', async () => {
    const messages = await layeringMessages(
      'src/facts/extractors/layering-probe.ts',
      "export * from './shells.js';\n",
    );
    expect(messages).toEqual([expect.stringContaining('Extractors never import each other')]);
    const tools = "export * from '../tools/tool-detector.js';\n";
    expect(await layeringMessages('src/facts/extractors/layering-probe.ts', tools)).toEqual([]);
    expect(await layeringMessages('src/facts/extractors/index.ts', "export * from './shells.js';\n")).toEqual(
      [],
    );
  });

  it('an import from a higher floor or a folder on the same floor is refused', async () => {
    const up = await layeringMessages(
      'src/inspect/layering-probe.ts',
      "export * from '../facts/gather-facts.js';\n",
    );
    expect(up).toEqual([expect.stringContaining('src/inspect is on floor')]);
    const sideways = await layeringMessages(
      'src/inspect/layering-probe.ts',
      "export * from '../secrets/scan-file.js';\n",
    );
    expect(sideways).toEqual([expect.stringContaining('src/inspect is on floor')]);
    const root = await layeringMessages(
      'src/layering-probe.ts',
      "export * from './config/load-config.js';\n",
    );
    expect(root).toEqual([expect.stringContaining('src is on floor 0')]);
    expect(
      await layeringMessages('src/inspect/layering-probe.ts', "export * from '../image/types.js';\n"),
    ).toEqual([]);
  });

  describe('only src/actions and the client root import the registry writer', () => {
    const specifier = 'registry/registry-writer.js';

    it('refuses it elsewhere', async () => {
      for (const probe of [
        'src/server/layering-probe.ts',
        'src/image/layering-probe.ts',
        'src/pipeline/inspect-image.ts',
        'workers/layering-probe.ts',
      ]) {
        const up = probe.startsWith('workers/') ? '../src/' : '../';
        const messages = await layeringMessages(probe, `import '${up}${specifier}';\n`);
        expect(messages, probe).toEqual(
          expect.arrayContaining([expect.stringContaining('Only src/actions writes to registries')]),
        );
      }
    });

    it('allows it in src/actions and in the client root', async () => {
      for (const probe of ['src/actions/layering-probe.ts', await clientRoot()]) {
        expect(await layeringMessages(probe, `import '../${specifier}';\n`), probe).toEqual([]);
      }
    });

    it('refuses asking RegistryClients for a writer, and re-exporting the writer, outside the enforcer', async () => {
      const syntax = async (filePath: string, code: string): Promise<string[]> => {
        const [result] = await eslint.lintText(code, { filePath: join(REPO, filePath) });
        return result.messages.filter((m) => m.ruleId === 'no-restricted-syntax').map((m) => m.message);
      };
      const ask = 'export const w = (c: { writer(n: string): unknown }) => c.writer("local");\n';
      expect(await syntax('src/server/layering-probe.ts', ask)).toEqual([
        expect.stringContaining('asks for a registry writer'),
      ]);
      expect(await syntax('src/pipeline/enforce-image.ts', ask)).toEqual([]);
      expect(
        await syntax('src/actions/layering-probe.ts', "export * from '../registry/registry-writer.js';\n"),
      ).toEqual([expect.stringContaining('never re-exported')]);
    });
  });
});
