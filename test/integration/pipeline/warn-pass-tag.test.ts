import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, pushImage } from '../../support/image-builder.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { fakeElf } from '../../support/seed-images.js';

/**
 * A clean distroless-style image without a HEALTHCHECK comes out `warn` under the default policies;
 * it still gets the pass tag (enforcement.passTagOnWarn, on by default), and the audit says which
 * policy warned.
 */
describe('a warn decision gets the pass tag', () => {
  let stack: PushStack;
  let service: InProcessService;

  beforeAll(async () => {
    stack = await startPushStack();
    service = await startInProcess('start', stack.cfg.path);
  });
  afterAll(async () => {
    await service?.stop();
    await stack?.stop();
  });

  it('tags a clean image with no HEALTHCHECK, naming the warning in the tag action and the audit', async () => {
    const image = await buildImage({
      format: 'oci',
      layers: [
        {
          createdBy: 'COPY /out/server /server # buildkit',
          files: [
            { path: 'server', content: fakeElf('server', 32 * 1024), mode: 0o755, uid: 65532, gid: 65532 },
          ],
        },
      ],
      config: { User: '65532:65532', Entrypoint: ['/server'] },
    });
    const { digest } = await pushImage(
      { url: stack.registry.url, repository: 'prod/clean', tag: '1.0' },
      image,
    );
    const record = await waitForRecord(service.url, stack.cfg.apiToken, digest, (r) =>
      (r.actions as Array<{ kind: string }>).some((a) => a.kind === 'tag'),
    );
    expect(record.decision).toBe('warn');
    const tag = (record.actions as Array<{ kind: string; outcome: string; detail: string }>).find(
      (a) => a.kind === 'tag',
    );
    expect(tag).toMatchObject({ outcome: 'done' });
    expect(tag?.detail).toContain(':1.0-verified');
    expect(tag?.detail).toContain('passes with warnings from healthcheck (enforcement.passTagOnWarn)');
    const head = await fetch(`${stack.registry.url}/v2/prod/clean/manifests/1.0-verified`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.headers.get('docker-content-digest')).toBe(digest);

    const audit = await fetch(`${service.url}/api/v1/audit?digest=${digest}`, {
      headers: { authorization: `Bearer ${stack.cfg.apiToken}` },
    });
    const entries = ((await audit.json()) as { entries: Array<Record<string, unknown>> }).entries;
    const tagged = entries.find((e) => e.type === 'action' && e.action === 'tag');
    expect(String(tagged?.detail)).toContain('passes with warnings from healthcheck');
  }, 120_000);
});
