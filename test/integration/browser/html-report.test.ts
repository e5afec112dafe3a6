import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, saveScreenshot, watchedPage, type PageProblems } from '../../support/browser.js';
import { buildImage, writeDockerArchive } from '../../support/image-builder.js';
import { runCli } from '../../support/run-cli.js';
import { buildMultiStageImage, buildSingleStageImage, SEED_STRIPE_KEY } from '../../support/seed-images.js';
import { tempDir } from '../../support/temp-dir.js';

/** Each payload sets `window.__pwned` if it ever runs (the CSP would also block it, loudly). */
const SCRIPT = '</script><script>window.__pwned=1</script>';
const SVG = '<svg onload="window.__pwned=2"><circle r="9"></circle></svg>';
const IMG = '<img src=x onerror=window.__pwned=3>';
const STYLE = '</style><style>body{display:none}</style>';

const NO_PROBLEMS: PageProblems = { console: [], errors: [], cspViolations: [], requests: [] };

describe('the HTML report in a real browser (Debian chromium)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let browser: Browser;
  const pages: Record<'single' | 'multi' | 'hostile', string> = { single: '', multi: '', hostile: '' };

  /** `pushgate scan --format html --policy policies/` of an archive, written to a file. */
  async function report(name: keyof typeof pages, archive: string, expectedCode: number): Promise<void> {
    const file = join(dir.path, `${name}.html`);
    const result = await runCli(['scan', '-f', 'html', '-o', file, '--policy', 'policies/', archive]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(expectedCode);
    pages[name] = file;
  }

  async function open(name: keyof typeof pages): Promise<{ page: Page; problems: PageProblems }> {
    const opened = await watchedPage(browser);
    await opened.page.goto(pathToFileURL(pages[name]).href);
    return opened;
  }

  beforeAll(async () => {
    dir = await tempDir();
    const hostile = await buildImage({
      format: 'docker',
      layers: [
        {
          createdBy: `|1 STRIPE_SECRET_KEY=${SEED_STRIPE_KEY} /bin/sh -c echo ${SCRIPT}${SVG}`,
          files: [
            { path: `usr/bin/su${IMG}`, content: 'x', mode: 0o4755 },
            { path: `app/${SVG}.sh`, content: '#!/bin/sh\n', mode: 0o755 },
          ],
        },
      ],
      config: {
        User: `app${STYLE}`,
        WorkingDir: `/srv${SCRIPT}`,
        Env: [`EVIL${IMG}=1`, `STRIPE_SECRET_KEY=${SEED_STRIPE_KEY}`],
        Labels: { 'org.example.key': SEED_STRIPE_KEY },
        Cmd: [`/app/${SVG}.sh`],
      },
      emptyLayerHistory: [{ createdBy: `USER app${STYLE}`, afterLayer: 0 }],
      rawConfig: (config) => ({ ...config, variant: `v8${SCRIPT}` }),
    });
    await Promise.all([
      buildSingleStageImage().then((image) =>
        writeDockerArchive(join(dir.path, 'single.tar'), image, ['seed/single:1']),
      ),
      buildMultiStageImage().then((image) =>
        writeDockerArchive(join(dir.path, 'multi.tar'), image, ['seed/multi:1']),
      ),
      writeDockerArchive(join(dir.path, 'hostile.tar'), hostile, ['prod/app:1']),
    ]);
    [browser] = await Promise.all([
      launchBrowser(),
      report('single', `docker-archive:${join(dir.path, 'single.tar')}:seed/single:1`, 1),
      report('multi', `docker-archive:${join(dir.path, 'multi.tar')}:seed/multi:1`, 0),
      report('hostile', `docker-archive:${join(dir.path, 'hostile.tar')}:prod/app:1`, 1),
    ]);
  });

  afterAll(async () => {
    await Promise.allSettled([browser?.close(), dir?.remove()]);
  });

  /** Category headings as shown: "Shells (3)" → { Shells: 3 }. */
  async function categoryCounts(page: Page): Promise<Record<string, number>> {
    const headings = await page.locator('section.category h4').allInnerTexts();
    return Object.fromEntries(
      headings.map((text) => {
        const m = /^(.*) \((\d+)\)$/.exec(text.trim())!;
        return [m[1], Number(m[2])];
      }),
    );
  }

  it('the single-stage seed image: decision, layers, findings per category, no console errors or CSP violations', async () => {
    const { page, problems } = await open('single');
    expect(await page.locator('#decision').innerText()).toBe('REJECT');
    expect(await page.locator('dd[data-layer-count]').innerText()).toBe('3');
    expect(await page.locator('#p0-layers + figure + table tbody tr').count()).toBe(3);
    expect(await categoryCounts(page)).toEqual({
      'Compilers and build toolchains': 7,
      User: 1,
      Secrets: 1,
      'Dev dependencies and build leftovers': 5,
      'Package managers': 3,
      Shells: 3,
      Efficiency: 1,
    });
    expect(await page.locator('dd[data-finding-count]').innerText()).toBe('21');
    // The layer that installed gcc, and its history step, as evidence links to.
    const gccRow = page.locator('tr[data-severity]', { hasText: 'gcc (c)' });
    await expect.poll(() => gccRow.locator('a[href="#p0-layer-1"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#p0-layer-1').innerText()).toContain(
      'apt-get install -y build-essential gcc make',
    );
    // What a multi-stage build would save: compilers and dev dependencies removable, with bytes.
    const savings = await page.locator('.savings-estimate').innerText();
    expect(savings).toMatch(/A runtime stage without these would be about\s+5\.6 kB \(−66\.0 %\)/);
    expect(savings).toMatch(/10\.9 kB\s+of 16\.6 kB/);
    const chart = page.locator('svg.size-chart[aria-labelledby="p0-savings-chart-title"]');
    expect(await chart.locator('rect.seg-buildToolchain title').textContent()).toBe(
      'Compilers and build toolchains: 4.2 kB (25.2 %)',
    );
    expect(await chart.locator('rect.seg-devDependencies title').textContent()).toBe(
      'Dev dependencies: 34 B (0.2 %)',
    );
    // Remedies under each category.
    expect(await page.locator('.remedy').first().innerText()).toMatch(/How to fix compiler-present/);
    // The policies that failed.
    expect(await page.getByRole('row', { name: /no-build-toolchain/ }).innerText()).toMatch(/FAIL/);
    await saveScreenshot(page, 'html-report-seed-single');
    expect(problems).toEqual(NO_PROBLEMS);
  });

  it('the secret appears only as its masked preview, in the page and its source', async () => {
    const { page, problems } = await open('single');
    const text = await page.locator('body').innerText();
    expect(text).toContain(`${SEED_STRIPE_KEY.slice(0, 4)}…(32 chars)`);
    expect(text).not.toContain(SEED_STRIPE_KEY);
    expect(await page.content()).not.toContain(SEED_STRIPE_KEY);
    expect(await readFile(pages.single, 'utf8')).not.toContain(SEED_STRIPE_KEY);
    expect(problems).toEqual(NO_PROBLEMS);
  });

  it('the multi-stage counterpart: PASS, 2 layers, no findings', async () => {
    const { page, problems } = await open('multi');
    expect(await page.locator('#decision').innerText()).toBe('PASS');
    expect(await page.locator('dd[data-layer-count]').innerText()).toBe('2');
    expect(await page.locator('dd[data-finding-count]').innerText()).toBe('0');
    expect(await categoryCounts(page)).toEqual({});
    expect(await page.getByText('No findings.').count()).toBe(1);
    // Nothing a multi-stage build would drop.
    expect(await page.locator('#p0-savings').locator('xpath=..').innerText()).toMatch(
      /nothing|0\.0 %|−0\.0 %/i,
    );
    await saveScreenshot(page, 'html-report-seed-multi');
    expect(problems).toEqual(NO_PROBLEMS);
  });

  it('Tab walks the controls in order; the skip link and the filters work from the keyboard', async () => {
    const { page, problems } = await open('single');
    const stops: string[] = [];
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      stops.push(
        // What has focus, as "TAG:text" or "type:value" (a string: no DOM types in this project).
        await page.evaluate<string>(`(() => {
          const el = document.activeElement;
          return el.tagName === 'INPUT' ? el.type + ':' + (el.value || el.name) : el.tagName + ':' + el.innerText.trim();
        })()`),
      );
    }
    expect(stops).toEqual([
      'A:Skip to the report',
      'A:Summary',
      'A:Policies',
      'A:Savings',
      'A:Layers',
      'A:Findings',
      'checkbox:critical',
      'checkbox:high',
      'checkbox:medium',
      'checkbox:low',
      'checkbox:info',
      'search:q',
    ]);
    // Space on a focused checkbox filters: the 8 HIGH findings go, 13 stay.
    await page.locator('input[value=high]').focus();
    await page.keyboard.press('Space');
    expect(await page.locator('#filter-status').innerText()).toBe('Showing 13 of 21 findings');
    expect(await page.locator('tr[data-severity=high]:visible').count()).toBe(0);
    await page.keyboard.press('Space');
    await page.locator('input[type=search]').focus();
    await page.keyboard.type('jest');
    // The dev dependency, and the savings finding that names it.
    expect(await page.locator('#filter-status').innerText()).toBe('Showing 2 of 21 findings');
    await page.keyboard.press('Enter'); // no form to submit: nothing happens, nothing is violated
    // The skip link moves focus into the report.
    await page.keyboard.press('Shift+Tab');
    await page.locator('.skip-link').focus();
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    expect(problems).toEqual(NO_PROBLEMS);
  });

  it('reads without JavaScript: every finding shown, the filter controls hidden', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(pages.single).href);
      expect(await page.locator('tr[data-severity]:visible').count()).toBe(21);
      expect(await page.locator('#finding-filters').isVisible()).toBe(false);
      expect(await page.locator('#decision').innerText()).toBe('REJECT');
      await saveScreenshot(page, 'html-report-seed-single-no-js');
    } finally {
      await context.close();
    }
  });

  it('hostile strings from the config, history and paths render as text, and no secret leaks', async () => {
    const { page, problems } = await open('hostile');
    const text = await page.locator('body').innerText();
    for (const payload of [SCRIPT, SVG, IMG, STYLE]) expect(text).toContain(payload);
    expect(await page.evaluate<unknown>('window.__pwned')).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('circle').count()).toBe(0);
    // Two pictures (layers, savings), one stylesheet, the two scripts the report writes.
    expect(await page.locator('svg').count()).toBe(2);
    expect(await page.locator('style').count()).toBe(1);
    expect(await page.locator('script').count()).toBe(2);
    expect(await page.locator('body').isVisible()).toBe(true);
    expect(await page.locator('#decision').innerText()).toBe('REJECT');
    expect(await page.content()).not.toContain(SEED_STRIPE_KEY);
    const summary = JSON.parse((await page.locator('#pushgate-summary').textContent()) ?? '') as {
      platforms: Array<{ platform: string }>;
    };
    expect(summary.platforms[0].platform).toBe(`linux/amd64/v8${SCRIPT}`);
    await saveScreenshot(page, 'html-report-hostile');
    expect(problems).toEqual(NO_PROBLEMS);
  });
});
