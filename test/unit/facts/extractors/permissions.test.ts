import type { FactExtractor } from '../../../../src/facts/extractor.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS_LIST_CAP, permissions } from '../../../../src/facts/extractors/permissions.js';
import type { ImageFacts } from '../../../../src/facts/image-facts.js';
import { expectValidFacts } from '../../../support/facts-schema.js';
import { buildImage, type FileSpec, type LayerSpec } from '../../../support/image-builder.js';
import { scanBuiltImage } from '../../../support/scan-built-image.js';

async function scan(layers: LayerSpec[]): Promise<ImageFacts> {
  const { facts } = await scanBuiltImage(await buildImage({ layers }), {
    extractors: [permissions as FactExtractor],
  });
  expectValidFacts(facts);
  return facts;
}

describe('permissions extractor', () => {
  let facts: ImageFacts;
  beforeAll(async () => {
    facts = await scan([
      {
        createdBy: 'ADD rootfs.tar /',
        files: [
          { path: 'usr/bin/passwd', content: 'ELF', mode: 0o4755, uid: 0, gid: 0 },
          { path: 'usr/bin/chage', content: 'ELF', mode: 0o2755, uid: 0, gid: 42 },
          { path: 'usr/bin/both', content: 'ELF', mode: 0o6755, uid: 0, gid: 0 },
          { path: 'usr/bin/gone', content: 'ELF', mode: 0o4755, uid: 0, gid: 0 },
          { path: 'usr/bin/plain', content: 'ELF', mode: 0o755 },
          { path: 'tmp', type: 'dir', mode: 0o1777 },
          { path: 'var/mail', type: 'dir', mode: 0o2775, gid: 8 },
          { path: 'link', type: 'symlink', target: 'usr/bin/plain' },
        ],
      },
      {
        createdBy: 'RUN chmod 0666 /app/config.json && chmod 0777 /app/data',
        files: [
          { path: 'app/config.json', content: '{}', mode: 0o666, uid: 1000, gid: 1000 },
          { path: 'app/data', type: 'dir', mode: 0o777, uid: 1000, gid: 1000 },
          { path: 'app/shared', type: 'dir', mode: 0o1777 },
          { path: 'usr/bin/gone', type: 'whiteout' },
        ],
      },
      {
        createdBy: 'RUN chmod u-s /usr/bin/both',
        files: [{ path: 'usr/bin/both', content: 'ELF', mode: 0o2755, uid: 0, gid: 0 }],
      },
    ]);
  });

  it('lists setuid files of the final filesystem with owner and layer evidence', () => {
    expect(facts.permissions?.setuid).toEqual([
      {
        path: '/usr/bin/passwd',
        mode: '4755',
        uid: 0,
        gid: 0,
        evidence: {
          kind: 'file',
          path: '/usr/bin/passwd',
          layer: 0,
          layerDigest: facts.layers[0].digest,
          createdBy: 'ADD rootfs.tar /',
          state: 'present',
          detail: 'file mode 4755, owner 0:0',
        },
      },
    ]);
  });

  it('does not flag a setuid file a later layer deleted, nor the setuid copy a later layer replaced', () => {
    const paths = facts.permissions?.setuid.map((item) => item.path);
    expect(paths).not.toContain('/usr/bin/gone');
    expect(paths).not.toContain('/usr/bin/both');
  });

  it('lists setgid files, not setgid directories', () => {
    expect(
      facts.permissions?.setgid.map((item) => [item.path, item.mode, item.gid, item.evidence.layer]),
    ).toEqual([
      ['/usr/bin/both', '2755', 0, 2],
      ['/usr/bin/chage', '2755', 42, 0],
    ]);
  });

  it('lists world-writable files and non-sticky directories; sticky /tmp is fine', () => {
    expect(facts.permissions?.worldWritable.map((item) => [item.path, item.mode, item.uid])).toEqual([
      ['/app/config.json', '0666', 1000],
      ['/app/data', '0777', 1000],
    ]);
    expect(facts.permissions?.counts).toEqual({ setuid: 1, setgid: 2, worldWritable: 2 });
  });

  it('turns each into a finding with its evidence', () => {
    const findings = permissions.findings(facts);
    expect(findings.map((f) => [f.check, f.severity, f.message])).toEqual([
      ['setuid-file', 'medium', '/usr/bin/passwd is setuid (mode 4755, owner 0:0)'],
      ['setgid-file', 'low', '/usr/bin/both is setgid (mode 2755, owner 0:0)'],
      ['setgid-file', 'low', '/usr/bin/chage is setgid (mode 2755, owner 0:42)'],
      ['world-writable-file', 'medium', '/app/config.json is world-writable (mode 0666, owner 1000:1000)'],
      [
        'world-writable-file',
        'medium',
        '/app/data is a world-writable directory without the sticky bit (mode 0777, owner 1000:1000)',
      ],
    ]);
    for (const f of findings) expect(f.category).toBe('File permissions');
    const data = findings.find((f) => f.message.startsWith('/app/data'));
    expect(data?.evidence).toEqual([
      expect.objectContaining({
        path: '/app/data',
        layer: 1,
        layerDigest: facts.layers[1].digest,
        createdBy: 'RUN chmod 0666 /app/config.json && chmod 0777 /app/data',
        state: 'present',
      }),
    ]);
  });

  it('a world-writable directory a later layer rewrites with a safe mode is not flagged', async () => {
    const rewritten = await scan([
      { files: [{ path: 'data', type: 'dir', mode: 0o777 }] },
      { files: [{ path: 'data', type: 'dir', mode: 0o755 }] },
    ]);
    expect(rewritten.permissions?.worldWritable).toEqual([]);
  });

  it('asks for headers of interesting modes only', () => {
    const entry = (type: 'file' | 'directory' | 'symlink', mode: number) => ({
      path: 'x',
      type,
      mode,
      uid: 0,
      gid: 0,
      size: 0,
    });
    expect(permissions.wants(entry('file', 0o4755))).toBe('header');
    expect(permissions.wants(entry('file', 0o666))).toBe('header');
    expect(permissions.wants(entry('directory', 0o777))).toBe('header');
    expect(permissions.wants(entry('file', 0o755))).toBe(false);
    expect(permissions.wants(entry('directory', 0o1777))).toBe(false);
    expect(permissions.wants(entry('directory', 0o2775))).toBe(false);
    expect(permissions.wants(entry('symlink', 0o777))).toBe(false);
  });

  it(`lists at most ${PERMISSIONS_LIST_CAP} paths per kind and counts the rest`, async () => {
    const files: FileSpec[] = [];
    for (let i = 0; i < PERMISSIONS_LIST_CAP + 5; i++) {
      files.push({ path: `w/f${String(i).padStart(5, '0')}`, content: '', mode: 0o666 });
    }
    const many = await scan([{ files }]);
    expect(many.permissions?.worldWritable).toHaveLength(PERMISSIONS_LIST_CAP);
    expect(many.permissions?.counts.worldWritable).toBe(PERMISSIONS_LIST_CAP + 5);
    const findings = permissions.findings(many);
    expect(findings).toHaveLength(PERMISSIONS_LIST_CAP);
    expect(findings.at(-1)?.message).toMatch(/and 5 more not listed/);
  });
});
