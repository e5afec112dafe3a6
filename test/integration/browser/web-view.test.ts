import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBytes } from '../../../src/format-bytes.js';
import { pushBuilt } from '../../support/registry-push.js';
import {
  startInProcess,
  startPushStack,
  waitForRecord,
  type InProcessService,
  type PushStack,
} from '../../support/pushgate-service.js';
import { buildMultiStageImage, buildSingleStageImage, SEED_STRIPE_KEY } from '../../support/seed-images.js';
import {
  focused,
  launchChromium,
  screenshot,
  watchedPage,
  type PageProblems,
} from '../../support/ui-browser.js';

/**
 * The web view in Debian's Chromium: log in with a token, list the images the service judged,
 * open the seed images' pages, all by keyboard, with no console error, no CSP violation and no
 * secret value anywhere in a page.
 */
describe('web view in a real browser', () => {
  let stack: PushStack;
  let service: InProcessService;
  let browser: Browser;
  let single: Record<string, unknown>;
  let multi: Record<string, unknown>;
  const shots: string[] = [];
  /** Every page's HTML as the browser has it, checked for secrets at the end. */
  const seen: Array<{ url: string; html: string }> = [];

  async function record(page: Page, name: string): Promise<void> {
    seen.push({ url: page.url(), html: await page.content() });
    shots.push(await screenshot(page, name));
  }

  function expectClean(problems: PageProblems): void {
    expect(problems.console).toEqual([]);
    expect(problems.failed).toEqual([]);
  }

  /**
   * Presses Tab until a link, button or form field whose text matches has the focus, at most `max`
   * times; fails otherwise.
   */
  async function tabTo(page: Page, text: RegExp, max = 60): Promise<void> {
    for (let i = 0; i < max; i++) {
      await page.keyboard.press('Tab');
      const now = await focused(page);
      if (['a', 'button', 'select', 'input'].includes(now.tag) && text.test(now.text)) return;
    }
    throw new Error(`no link, button or field matching ${text} within ${max} Tab presses`);
  }

  beforeAll(async () => {
    [stack, browser] = await Promise.all([startPushStack(), launchChromium()]);
    service = await startInProcess('start', stack.cfg.path);
    const [singleDigest, multiDigest] = [
      await pushBuilt(stack.registry, 'seed/single', '1.0', await buildSingleStageImage()),
      await pushBuilt(stack.registry, 'seed/multi', '1.0', await buildMultiStageImage()),
    ];
    [single, multi] = await Promise.all([
      waitForRecord(service.url, stack.cfg.apiToken, singleDigest),
      waitForRecord(service.url, stack.cfg.apiToken, multiDigest),
    ]);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await stack?.stop();
    console.log(`web view screenshots:\n${shots.join('\n')}`);
  }, 60_000);

  it('logs in, lists, filters, opens an image page and logs out, by keyboard, cleanly', async () => {
    expect(single.decision).toBe('reject');
    expect(multi.decision).toBe('pass');
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);

    await page.goto(`${service.url}/ui`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await expect.poll(async () => (await focused(page)).id).toBe('token');
    await record(page, 'ui-login');
    await page.keyboard.type(stack.cfg.apiToken);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/ui/images');
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.name)).toContain('__Host-pushgate-session');
    for (const c of cookies) expect(c.value).not.toContain(stack.cfg.apiToken);
    const session = cookies.find((c) => c.name === '__Host-pushgate-session')!;
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/' });

    // The list: both seed images with their decision and size.
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const singleRow = rows.filter({ hasText: 'seed/single' });
    await expect.poll(() => singleRow.textContent()).toMatch(/reject/);
    expect(await singleRow.textContent()).toContain(
      formatBytes((single.facts as { sizeBytes: number }).sizeBytes),
    );
    expect(await rows.filter({ hasText: 'seed/multi' }).textContent()).toMatch(/pass/);
    await record(page, 'ui-images');

    // Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('main');

    // The filter is a plain GET form: choose "reject" and submit with Enter.
    await tabTo(page, /any/);
    expect((await focused(page)).tag).toBe('select');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await page.locator('select[name=decision]').inputValue()).toBe('reject');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(/decision=reject/);
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('seed/single');
    await record(page, 'ui-images-filtered');

    // Open the single-stage image by keyboard.
    await tabTo(page, /seed\/single/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/images\/sha256:/);
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('seed/single');
    expect(text).toMatch(/reject/);
    expect(text).toMatch(/gcc/);
    expect(text).toMatch(/Actions/);
    expect(text).toMatch(/Audit/);
    expect(text).toMatch(/verdict/);
    await record(page, 'ui-image-single-stage');

    // The admitted workloads page, by keyboard from the navigation.
    await tabTo(page, /^Admitted workloads$/);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/ui/admissions');
    expect(await page.textContent('h1')).toBe('Admitted workloads');
    await record(page, 'ui-admissions');

    // Log out with the button; the session no longer opens pages.
    await tabTo(page, /^Log out$/);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/ui/login');
    await page.goto(`${service.url}/ui/images`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    expectClean(problems);
    await context.close();
  }, 120_000);

  it('shows the multi-stage image as passing, with nothing to report', async () => {
    const context = await browser.newContext();
    const { page, problems } = await watchedPage(context);
    await page.goto(`${service.url}/ui/login`);
    await page.fill('#token', stack.cfg.apiToken);
    await page.click('button[type=submit]');
    await page.waitForURL('**/ui/images');
    await page.click('a:has-text("seed/multi")');
    await page.waitForURL(/\/ui\/images\/sha256:/);
    const text = (await page.textContent('body')) ?? '';
    expect(text).toContain('seed/multi');
    expect(text).toMatch(/pass/);
    expect(text).not.toMatch(/gcc/);
    await record(page, 'ui-image-multi-stage');
    // Log out from the report page itself: its own CSP (a <meta>) must allow the form too.
    await page.click('button:has-text("Log out")');
    await page.waitForURL('**/ui/login');
    expectClean(problems);
    await context.close();
  }, 60_000);

  it('never shows a secret value or the API token in any page', () => {
    expect(seen.length).toBeGreaterThanOrEqual(6);
    for (const { url, html } of seen) {
      expect(html, url).not.toContain(SEED_STRIPE_KEY);
      expect(html, url).not.toContain(stack.cfg.apiToken);
    }
  });
});
