import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from './run-cli.js';

/** Debian's chromium (`.ci/run` installs it): playwright-core never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where screenshots go (git-ignored); CI keeps them as artifacts. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts/screenshots');

/**
 * Headless chromium. `--no-sandbox` because tests run as root (chromium refuses its sandbox
 * there); the pages are ours or pushgate's, never the open web.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (.ci/run does) to run the browser tests`,
    );
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
}

/** What went wrong on a page: console errors and warnings, uncaught exceptions, CSP violations, requests. */
export interface PageProblems {
  console: string[];
  errors: string[];
  cspViolations: string[];
  /** Every request but the page's own document: a self-contained page makes none. */
  requests: string[];
}

/**
 * A new page that records its problems. CSP violations come from the DOM event (chromium also
 * logs them as console errors); the listener is an init script, which CDP runs outside the CSP.
 */
export async function watchedPage(browser: Browser): Promise<{ page: Page; problems: PageProblems }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: PageProblems = { console: [], errors: [], cspViolations: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.console.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.errors.push(error.message));
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.cspViolations.push(text));
  // A string, not a function: the project compiles without the DOM types (the page's code runs there).
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      window.__reportCspViolation(event.violatedDirective + ': ' + event.blockedURI + ' ' + event.sample);
    });`,
  });
  let first = true;
  page.on('request', (request) => {
    if (first && request.isNavigationRequest()) first = false;
    else problems.requests.push(request.url());
  });
  return { page, problems };
}

/** A full-page screenshot under test-artifacts/screenshots; prints and returns the path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  process.stdout.write(`screenshot: ${path}\n`);
  return path;
}
