import type { BrowserContext, Page } from 'playwright-core';

// One launcher and one screenshot writer for every browser test (test/support/browser.ts).
export { launchBrowser as launchChromium, saveScreenshot as screenshot } from './browser.js';

export interface PageProblems {
  /** Console errors and warnings (CSP violations are reported there), and uncaught page errors. */
  console: string[];
  /** `securitypolicyviolation` events and failed requests. */
  failed: string[];
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
