import { describe, expect, it } from 'vitest';
import { jsonDepth, MAX_JSON_DEPTH, parseImageConfig } from '../../../src/oci/image-config.js';
import { isPushgateError } from '../../../src/errors.js';

const parse = (value: unknown): ReturnType<typeof parseImageConfig> =>
  parseImageConfig(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)));

function refusal(value: unknown): { code: string; message: string } {
  try {
    parse(value);
  } catch (err) {
    if (isPushgateError(err)) return { code: err.code, message: err.message };
    throw err;
  }
  throw new Error('the config was accepted');
}

describe('parseImageConfig', () => {
  it('reads nulls the way Go does: absent, empty, or "" inside lists and maps', () => {
    const config = parse({
      architecture: null,
      os: 'linux',
      config: {
        User: null,
        Env: ['PATH=/bin', null],
        Entrypoint: null,
        Cmd: ['sh', null],
        Labels: { maintainer: null, team: 'a' },
        ExposedPorts: { '80/tcp': null },
        Volumes: null,
        Healthcheck: { Test: null, Retries: null },
      },
      rootfs: { type: 'layers', diff_ids: null },
      history: [null, { created_by: null, empty_layer: null }, { created_by: 'RUN x', empty_layer: true }],
    });
    expect(config.architecture).toBeUndefined();
    expect(config.config).toEqual({
      Env: ['PATH=/bin', ''],
      Cmd: ['sh', ''],
      Labels: { maintainer: '', team: 'a' },
      ExposedPorts: { '80/tcp': {} },
      Healthcheck: {},
    });
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: [] });
    expect(config.history).toEqual([{}, {}, { created_by: 'RUN x', empty_layer: true }]);
  });

  it('treats a null or missing runtime config and history as empty', () => {
    expect(parse({ config: null, history: null })).toEqual({ config: {}, history: [] });
    expect(parse({})).toEqual({ config: {}, history: [] });
  });

  it('keeps only what pushgate reads', () => {
    const config = parse({ os: 'linux', config: { Env: [], Weird: { deep: [1, 2] } }, extra: [1] });
    expect(config).toEqual({ os: 'linux', config: { Env: [] }, history: [] });
  });

  it.each([
    ['Env a string', { config: { Env: 'PATH=/bin' } }, 'config.Env must be array or null, found a string'],
    ['a label value a number', { config: { Labels: { a: 1 } } }, 'config.Labels.a must be string or null'],
    ['a label value an object', { config: { Labels: { a: { b: 'c' } } } }, 'found an object'],
    ['created_by a number', { history: [{ created_by: 12345 }] }, 'history[0].created_by must be string'],
    ['User a number', { config: { User: 0 } }, 'config.User must be string or null, found a number'],
    ['history an object', { history: {} }, 'history must be array or null'],
    ['a diff_id not a digest', { rootfs: { diff_ids: ['nope'] } }, 'rootfs.diff_ids[0] must match pattern'],
    ['a null diff_id', { rootfs: { diff_ids: [null] } }, 'rootfs.diff_ids[0] must be string'],
  ])('refuses what Docker refuses: %s', (_name, value, expected) => {
    const { code, message } = refusal(value);
    expect(code).toBe('MANIFEST_INVALID');
    expect(message).toContain(expected);
  });

  it('never quotes the offending value (it may be a secret)', () => {
    const { message } = refusal({ config: { Labels: { token: 12345678901234 } } });
    expect(message).not.toContain('12345678901234');
  });

  it('refuses a document nested deeper than Go allows, before parsing it', () => {
    const deep = `{"config":{"Labels":{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}}}`;
    const { code, message } = refusal(deep);
    expect(code).toBe('MANIFEST_INVALID');
    expect(message).toContain(`more than the ${MAX_JSON_DEPTH}`);
    // Exactly at the limit is still judged by type (here: a label that is not a string).
    const atLimit = `{"config":{"Labels":{"a":${'['.repeat(MAX_JSON_DEPTH - 3)}${']'.repeat(MAX_JSON_DEPTH - 3)}}}}`;
    expect(refusal(atLimit).message).toContain('config.Labels.a must be string');
  });

  it('counts depth outside strings only', () => {
    expect(jsonDepth('{"a":"[[[{{{\\"[[["}')).toBe(1);
    expect(jsonDepth('[[],[[]]]')).toBe(3);
  });

  it('never quotes the text of a config that is not JSON, and caps key names it names', () => {
    const { message } = refusal('{"config":{"Env":["AWS_SECRET=AKIAEXAMPLEKEY", x]}}');
    expect(message).toMatch(/not valid JSON: syntax error/);
    expect(message).not.toContain('AKIA');
    const long = refusal({ config: { Labels: { ['k'.repeat(100_000)]: 1 } } }).message;
    expect(long.length).toBeLessThan(400);
  });

  it('refuses what is not a JSON object', () => {
    expect(refusal('[1]').code).toBe('MANIFEST_INVALID');
    expect(refusal('{"a":').message).toContain('not valid JSON');
  });
});
