import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, renderMessage } from '../../../src/policy/render-message.js';

const facts = {
  compilers: [
    { name: 'gcc', evidence: [] },
    { name: 'make', evidence: [] },
    { name: 'gcc', evidence: [] },
  ],
  user: { name: 'root', uid: 0 },
  config: { env: ['PATH', 'NODE_ENV'] },
  secrets: { findings: [{ rule: 'npmrc-auth-token', preview: 'npm_ab…(40 chars)' }] },
  totals: { layerCount: 12 },
};

describe('renderMessage', () => {
  it('renders arrays of named objects as their names, once each', () => {
    expect(renderMessage('compilers found: {{compilers}}', facts)).toBe('compilers found: gcc, make');
  });

  it('renders dotted paths, scalars and arrays of scalars', () => {
    expect(
      renderMessage(
        '{{ user.name }} ({{user.uid}}), {{totals.layerCount}} layers, env {{config.env}}',
        facts,
      ),
    ).toBe('root (0), 12 layers, env PATH, NODE_ENV');
  });

  it('leaves unknown placeholders as written', () => {
    expect(renderMessage('x {{nope.nothing}} {{user}} y', facts)).toBe('x {{nope.nothing}} root y');
  });

  it('names secret findings by rule, never by value', () => {
    expect(renderMessage('{{secrets.findings}}', facts)).toBe('npmrc-auth-token');
  });

  it('caps the length', () => {
    const many = { compilers: Array.from({ length: 200 }, (_, i) => ({ name: `tool-${i}` })) };
    const out = renderMessage('{{compilers}}', many);
    expect(out.length).toBe(MAX_MESSAGE_LENGTH);
    expect(out.endsWith('…')).toBe(true);
  });

  it('does not walk the prototype chain', () => {
    expect(renderMessage('{{user.constructor}}', facts)).toBe('{{user.constructor}}');
  });
});
