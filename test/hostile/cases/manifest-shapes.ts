import { join } from 'node:path';

import type { HostileCase } from '../hostile-case.js';
import {
  configBlob,
  descriptorOf,
  manifestOf,
  OCI,
  rawBlob,
  writeRawOciLayout,
} from '../support/raw-images.js';
import { tarLayer } from '../../support/image-builder.js';
import { gzipSync } from 'node:zlib';
import { sha256 } from '../support/raw-images.js';

/** Classics that hold: manifests and indexes shaped to exhaust a reader. */
export const manifestShapeCases: HostileCase[] = [
  {
    id: 'manifest-with-10000-layers',
    title: 'a manifest listing 10,000 layers (one small blob, repeated)',
    async build(ctx) {
      const tar = await tarLayer([{ path: 'etc/motd', content: 'hello\n' }]);
      const layer = rawBlob(OCI.gzip, gzipSync(tar));
      const count = 10_000;
      const config = configBlob(Array.from({ length: count }, () => sha256(tar)));
      const manifest = manifestOf(
        config,
        Array.from({ length: count }, () => layer),
      );
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, {
        index: { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptorOf(manifest)] },
        blobs: [manifest, config, layer],
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 0 },
  },
  {
    id: 'index-nested-1000-deep',
    title: 'an index of an index … 1,000 levels deep is MANIFEST_INVALID',
    async build(ctx) {
      const tar = await tarLayer([{ path: 'etc/motd', content: 'hello\n' }]);
      const layer = rawBlob(OCI.gzip, gzipSync(tar));
      const config = configBlob([sha256(tar)]);
      let top = manifestOf(config, [layer]);
      const blobs = [top, config, layer];
      for (let i = 0; i < 1000; i++) {
        top = rawBlob(
          OCI.index,
          Buffer.from(
            JSON.stringify({
              schemaVersion: 2,
              mediaType: OCI.index,
              manifests: [{ ...descriptorOf(top), platform: { os: 'linux', architecture: 'amd64' } }],
            }),
          ),
        );
        blobs.push(top);
      }
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, {
        index: { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptorOf(top)] },
        blobs,
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[MANIFEST_INVALID\]/] },
  },
  {
    id: 'manifest-is-not-json',
    title: 'an image manifest blob that is not JSON is MANIFEST_INVALID',
    async build(ctx) {
      const manifest = rawBlob(OCI.manifest, Buffer.from('{"schemaVersion": 2, "config": {"digest": '));
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, {
        index: { schemaVersion: 2, mediaType: OCI.index, manifests: [descriptorOf(manifest)] },
        blobs: [manifest],
      });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[MANIFEST_INVALID\]/] },
  },
  {
    id: 'index-json-is-not-json',
    title: 'an OCI layout whose index.json is not JSON is MANIFEST_INVALID',
    async build(ctx) {
      const dir = join(ctx.dir, 'layout');
      await writeRawOciLayout(dir, { index: Buffer.from('{"schemaVersion": 2, "manifests": [') });
      return { args: ['scan', `oci:${dir}`] };
    },
    expect: { exit: 3, stderrMatches: [/\[MANIFEST_INVALID\]/] },
  },
];
