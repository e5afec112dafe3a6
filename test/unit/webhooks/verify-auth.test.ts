import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WebhookAuthConfig } from '../../../src/config/types.js';
import { verifyWebhookAuth } from '../../../src/webhooks/verify-auth.js';
import type { WebhookError } from '../../../src/webhooks/webhook-error.js';

const TOKEN = 'tok-3f9c2a7e5b1d4c8a9e0f';
const body = Buffer.from('{"events":[]}');

function refusal(fn: () => void): WebhookError {
  try {
    fn();
  } catch (err) {
    expect(err).toMatchObject({ name: 'WebhookError', code: 'UNAUTHORIZED', status: 401 });
    return err as WebhookError;
  }
  throw new Error('expected UNAUTHORIZED, but the request was accepted');
}

/** A refusal whose message leaks neither the configured secret nor what the client sent. */
function refusedQuietly(fn: () => void, ...secrets: string[]): void {
  const err = refusal(fn);
  for (const secret of [TOKEN, ...secrets]) expect(err.message).not.toContain(secret);
}

describe('verifyWebhookAuth', () => {
  describe('bearer', () => {
    const auth: WebhookAuthConfig = { type: 'bearer', token: TOKEN };

    it('accepts the token, with any case of the scheme', () => {
      expect(() => verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN}` })).not.toThrow();
      expect(() => verifyWebhookAuth(auth, body, { Authorization: `bearer ${TOKEN}` })).not.toThrow();
      expect(() => verifyWebhookAuth(auth, body, { authorization: [`Bearer ${TOKEN}`] })).not.toThrow();
    });

    it('refuses a forged, shorter, longer, missing or repeated token', () => {
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN.slice(0, -1)}X` }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN.slice(0, 5)}` }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN}${TOKEN}` }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: `Basic ${TOKEN}` }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: TOKEN }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, {}));
      refusedQuietly(() =>
        verifyWebhookAuth(auth, body, { authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }),
      );
      refusedQuietly(() =>
        verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN}`, Authorization: `Bearer x` }),
      );
    });

    it('never accepts anything for an empty configured token', () => {
      const empty: WebhookAuthConfig = { type: 'bearer', token: '' };
      refusal(() => verifyWebhookAuth(empty, body, { authorization: 'Bearer ' }));
      refusal(() => verifyWebhookAuth(empty, body, {}));
    });
  });

  describe('header', () => {
    const auth: WebhookAuthConfig = { type: 'header', header: 'X-JFrog-Event-Auth', value: TOKEN };

    it('accepts the value in the named header, whatever the header name case', () => {
      expect(() => verifyWebhookAuth(auth, body, { 'x-jfrog-event-auth': TOKEN })).not.toThrow();
      expect(() => verifyWebhookAuth(auth, body, { 'X-JFROG-EVENT-AUTH': TOKEN })).not.toThrow();
    });

    it('refuses a forged, wrong-length, missing or misplaced value', () => {
      refusedQuietly(() => verifyWebhookAuth(auth, body, { 'x-jfrog-event-auth': `${TOKEN}x` }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { 'x-jfrog-event-auth': 'x' }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { 'x-jfrog-event-auth': '' }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: TOKEN }));
      refusedQuietly(() => verifyWebhookAuth(auth, body, {}));
    });
  });

  describe('hmac-sha256', () => {
    const github: WebhookAuthConfig = {
      type: 'hmac-sha256',
      header: 'X-Hub-Signature-256',
      secret: "It's a Secret to Everybody",
      prefix: 'sha256=',
    };

    it("matches GitHub's documented test vector", () => {
      const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
      expect(() =>
        verifyWebhookAuth(github, Buffer.from('Hello, World!'), { 'x-hub-signature-256': signature }),
      ).not.toThrow();
      expect(() =>
        verifyWebhookAuth(github, Buffer.from('Hello, World!'), {
          'x-hub-signature-256': signature.toUpperCase().replace('SHA256=', 'sha256='),
        }),
      ).not.toThrow();
    });

    it('is computed over the raw bytes: any change to the body breaks it', () => {
      const raw = Buffer.from('{"a": 1}');
      const signature = `sha256=${createHmac('sha256', github.secret).update(raw).digest('hex')}`;
      expect(() => verifyWebhookAuth(github, raw, { 'x-hub-signature-256': signature })).not.toThrow();
      refusedQuietly(
        () => verifyWebhookAuth(github, Buffer.from('{"a":1}'), { 'x-hub-signature-256': signature }),
        github.secret,
      );
    });

    it('refuses a forged, truncated, unprefixed, non-hex, missing or wrong-secret signature', () => {
      const good = createHmac('sha256', github.secret).update(body).digest('hex');
      const forged = createHmac('sha256', 'another secret').update(body).digest('hex');
      for (const value of [
        `sha256=${forged}`,
        `sha256=${good.slice(0, 40)}`,
        `sha256=${good}00`,
        good,
        `sha1=${good}`,
        'sha256=not-hex-at-all',
        'sha256=',
      ]) {
        refusedQuietly(
          () => verifyWebhookAuth(github, body, { 'x-hub-signature-256': value }),
          github.secret,
        );
      }
      refusedQuietly(() => verifyWebhookAuth(github, body, {}), github.secret);
    });

    it("verifies JFrog's signed mode: bare hex in X-JFrog-Event-Auth", () => {
      const jfrog: WebhookAuthConfig = {
        type: 'hmac-sha256',
        header: 'X-JFrog-Event-Auth',
        secret: TOKEN,
        prefix: '',
      };
      const signature = createHmac('sha256', TOKEN).update(body).digest('hex');
      expect(() => verifyWebhookAuth(jfrog, body, { 'x-jfrog-event-auth': signature })).not.toThrow();
      // Plain mode's secret in the header is not a valid signature.
      refusedQuietly(() => verifyWebhookAuth(jfrog, body, { 'x-jfrog-event-auth': TOKEN }));
    });

    it('refuses everything under an empty secret', () => {
      const empty: WebhookAuthConfig = { type: 'hmac-sha256', header: 'x-sig', secret: '', prefix: '' };
      const signature = createHmac('sha256', '').update(body).digest('hex');
      refusal(() => verifyWebhookAuth(empty, body, { 'x-sig': signature }));
    });
  });

  describe('path', () => {
    const auth: WebhookAuthConfig = { type: 'path', secret: TOKEN };

    it('accepts the secret path segment', () => {
      expect(() => verifyWebhookAuth(auth, body, {}, TOKEN)).not.toThrow();
    });

    it('refuses a forged, wrong-length, empty or missing segment, and ignores headers', () => {
      refusedQuietly(() => verifyWebhookAuth(auth, body, {}, `${TOKEN.slice(0, -1)}0`));
      refusedQuietly(() => verifyWebhookAuth(auth, body, {}, TOKEN.slice(1)));
      refusedQuietly(() => verifyWebhookAuth(auth, body, {}, ''));
      refusedQuietly(() => verifyWebhookAuth(auth, body, { authorization: `Bearer ${TOKEN}` }));
    });
  });

  it('none accepts anything', () => {
    expect(() => verifyWebhookAuth({ type: 'none' }, body, {})).not.toThrow();
  });

  it('refuses an auth type it does not know', () => {
    const bogus = { type: 'magic' } as unknown as WebhookAuthConfig;
    refusal(() => verifyWebhookAuth(bogus, body, {}));
  });
});
