import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, watchedPage, type PageProblems } from '../../support/browser.js';
import { buildImage, writeDockerArchive } from '../../support/image-builder.js';
import { runCli } from '../../support/run-cli.js';
import { buildMultiStageImage, buildSingleStageImage, SEED_STRIPE_KEY } from '../../support/seed-images.js';
import { tempDir } from '../../support/temp-dir.js';

const NO_PROBLEMS: PageProblems = { console: [], errors: [], cspViolations: [], requests: [] };
/** Sets `window.__pwned` if it ever runs. */
const SCRIPT = '</script><script>window.__pwned=1</script>';

describe('`pushgate diff --format html` in a real browser (Debian chromium)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;
  let page: string;

  beforeAll(async () => {
    dir = await tempDir();
    const single = join(dir.path, 'single.tar');
    const multi = join(dir.path, 'multi.tar');
    await writeDockerArchive(single, await buildSingleStageImage(), ['seed/single:1']);
    // The multi-stage image with a hostile history step, so the diff has text from the image to escape.
    const built = await buildMultiStageImage();
    const hostile = await buildImage({
      layers: [{ files: [{ path: 'app/server.js', content: 'x' }], createdBy: `COPY ${SCRIPT} /app` }],
    });
    await writeDockerArchive(multi, built, ['seed/multi:1']);
    await writeDockerArchive(join(dir.path, 'hostile.tar'), hostile, ['seed/hostile:1']);
    page = join(dir.path, 'diff.html');
    const result = await runCli([
      'diff',
      '-f',
      'html',
      '-o',
      page,
      '--policy',
      'policies/',
      `docker-archive:${single}`,
      `docker-archive:${multi}`,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dir?.remove();
  });

  it('shows the multi-stage rewrite: decisions, savings before and after, findings removed, no problems', async () => {
    const { page: tab, problems } = await watchedPage(browser);
    await tab.goto(pathToFileURL(page).href);
    expect(await tab.locator('#decision-before').innerText()).toBe('REJECT');
    expect(await tab.locator('#decision-after').innerText()).toBe('PASS');
    const row = (label: string) => tab.getByRole('row', { name: new RegExp(`^${label}`) });
    expect(await row('Removable share').innerText()).toMatch(/66\.0 %\s+0\.0 %\s+−66\.0 pt/);
    expect(await row('build toolchain').innerText()).toMatch(/4\.2 kB\s+0 B\s+−4\.2 kB/);
    expect(await tab.locator('h3', { hasText: 'Findings:' }).innerText()).toMatch(/21 removed, 0 added/);
    const text = await tab.locator('body').innerText();
    expect(text).not.toContain(SEED_STRIPE_KEY);
    expect(await readFile(page, 'utf8')).not.toContain(SEED_STRIPE_KEY);
    await saveScreenshot(tab, 'diff-report-seed');
    expect(problems).toEqual(NO_PROBLEMS);
  });

  it('renders text from the images as text', async () => {
    const file = join(dir.path, 'hostile-diff.html');
    const result = await runCli([
      'diff',
      '-f',
      'html',
      '-o',
      file,
      `docker-archive:${join(dir.path, 'single.tar')}`,
      `docker-archive:${join(dir.path, 'hostile.tar')}`,
    ]);
    expect(result.code).toBe(0);
    const { page: tab, problems } = await watchedPage(browser);
    await tab.goto(pathToFileURL(file).href);
    expect(await tab.locator('body').innerText()).toContain(SCRIPT);
    expect(await tab.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(await tab.locator('script').count()).toBe(0);
    expect(problems).toEqual(NO_PROBLEMS);
  });
});
