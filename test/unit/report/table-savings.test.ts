import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../../src/facts/image-facts.js';
import type { ScanReport } from '../../../src/report/scan-report.js';
import { renderTable } from '../../../src/report/table.js';
import { scanBuiltImage } from '../../support/scan-built-image.js';
import { buildMultiStageImage, buildSingleStageImage } from '../../support/seed-images.js';

function report(facts: ImageFacts): ScanReport {
  return {
    schemaVersion: 1,
    image: {
      reference: 'seed',
      source: 'oci',
      skipped: { attestations: 0, otherPlatforms: 0, unknownManifests: 0 },
    },
    platforms: [{ platform: 'linux/amd64', facts, findings: [] }],
  };
}

describe('the Savings line of the table report', () => {
  it('names the removable categories and the runtime estimate of the single-stage image', async () => {
    const { facts } = await scanBuiltImage(await buildSingleStageImage());
    expect(renderTable(report(facts))).toContain(
      'Savings   build toolchain 4.2 kB, dev dependencies 34 B, package managers 6.1 kB, caches and leftovers 65 B, wasted 512 B: a runtime stage without these would be about 5.6 kB (−66.0 %)\n',
    );
  });

  it('says nothing would go for the multi-stage image', async () => {
    const { facts } = await scanBuiltImage(await buildMultiStageImage());
    expect(renderTable(report(facts))).toContain(
      'Savings   nothing a multi-stage build would drop (all 66.2 kB the layers write stays)\n',
    );
  });
});
