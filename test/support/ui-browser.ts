import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './pushgate-service.js';

/** Debian's Chromium (package `chromium`), driven by playwright-core: no browser download. */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-artifacts', 'screenshots');

export interface PageProblems {
  /** Console errors and warnings (CSP violations are reported there), and uncaught page errors. */
  console: string[];
  /** `securitypolicyviolation` events and failed requests. */
  failed: string[];
}

/**
 * Starts headless Chromium (`--no-sandbox`: tests run as root, where Chromium's sandbox refuses
 * to start). One browser per test file; each test opens its own context (cookie jar).
 */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

/**
 * A page that records every console error or warning, page error, CSP violation and failed
 * request, so a test can assert that there were none.
 */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; problems: PageProblems }> {
  const problems: PageProblems = { console: [], failed: [] };
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.console.push(`pageerror: ${error.message}`));
  page.on('requestfailed', (request) =>
    problems.failed.push(`${request.url()}: ${request.failure()?.errorText ?? ''}`),
  );
  // CSP violations also fire this event; the listener is added by the test harness, not the page.
  // (A string: the test project has no DOM types.)
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI);
    });`,
  });
  return { page, problems };
}

/** The focused element's tag (lower case), id and trimmed text. */
export async function focused(page: Page): Promise<{ tag: string; id: string; text: string }> {
  return (await page.evaluate(
    "({ tag: (document.activeElement?.tagName ?? '').toLowerCase(), id: document.activeElement?.id ?? '', text: (document.activeElement?.textContent ?? '').trim() })",
  )) as { tag: string; id: string; text: string };
}

/** A full-page screenshot under test-artifacts/screenshots/ (git-ignored); returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
