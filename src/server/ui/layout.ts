import type { Response } from 'express';
import { pageCsp } from './csp.js';
import { html, raw, type Html } from './html.js';
import type { UiViewer } from './ui-types.js';
import { UI_STYLE, UI_STYLE_HASH } from './ui-style.js';

export type NavItem = 'images' | 'admissions';

/** The skip link and navigation every page starts with (and the logout form, when logged in). */
export function header(viewer: UiViewer | undefined, current?: NavItem): Html {
  const link = (item: NavItem, path: string, label: string): Html =>
    item === current
      ? html`<a href="${path}" aria-current="page">${label}</a>`
      : html`<a href="${path}">${label}</a>`;
  return html`<a class="pg-skip" href="#main">Skip to content</a>
    <header>
      <nav class="pg-nav" aria-label="pushgate">
        <span class="pg-brand">pushgate</span>
        ${viewer ? [link('images', '/ui/images', 'Images'), raw('\n'), link('admissions', '/ui/admissions', 'Admitted workloads')] : ''}
        ${
          viewer
            ? html`<form method="post" action="/ui/logout">
                <input type="hidden" name="csrf" value="${viewer.session.csrf}" /><button type="submit">
                  Log out
                </button>
              </form>`
            : ''
        }
      </nav>
    </header>`;
}

/**
 * The stylesheet element, built outside any `html` template: its text must be exactly what
 * `UI_STYLE_HASH` hashes, and a formatter may re-indent a template's markup.
 */
export function styleElement(): Html {
  return raw(`<style>${UI_STYLE}</style>`);
}

/** A whole page of the web view: header, `<main id="main">` around `body`, the one stylesheet. */
export function page(options: {
  title: string;
  viewer: UiViewer | undefined;
  current?: NavItem;
  body: Html;
}): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${options.title} · pushgate</title>
        ${styleElement()}
      </head>
      <body>
        ${header(options.viewer, options.current)}
        <main id="main" class="pg-main" tabindex="-1">${options.body}</main>
      </body>
    </html> `;
}

/** Sends a page with its CSP (the stylesheet's hash; nothing else inline, no script). */
export function sendPage(res: Response, status: number, options: Parameters<typeof page>[0]): void {
  res.status(status);
  res.setHeader('Content-Security-Policy', pageCsp({ styleHashes: [UI_STYLE_HASH] }));
  res.type('html').send(page(options).value);
}

/** Sends HTML the report renderer made, its CSP extended with the web view's rules. */
export function sendRendered(res: Response, rendered: { html: string; csp: string }): void {
  res.status(200);
  res.setHeader('Content-Security-Policy', pageCsp({ policy: rendered.csp, styleHashes: [UI_STYLE_HASH] }));
  res.type('html').send(rendered.html);
}

/** A page saying what went wrong, in words for the reader (no stack, no internals). */
export function sendProblem(
  res: Response,
  status: number,
  viewer: UiViewer | undefined,
  title: string,
  message: string,
): void {
  sendPage(res, status, {
    title,
    viewer,
    body: html`<h1>${title}</h1>
      <p class="pg-error" role="alert">${message}</p>`,
  });
}
