import type { Request, Response } from 'express';
import type { Decision, ImageRecord } from '../../store/types.js';
import { decisionBadge, imagePath, size, when } from './format.js';
import { href, html, tableHead } from './html.js';
import { sendPage } from './layout.js';
import { choiceField, formField } from './query.js';
import type { UiContext, UiRoute } from './ui-types.js';

const DECISIONS: readonly Decision[] = ['pass', 'warn', 'tag', 'reject', 'error'];
const PAGE = 50;
/** Store pages read at most for one filtered page, so a rare decision cannot make a request scan everything. */
const MAX_ROUNDS = 10;

/** Recently judged images, newest first, filtered in the store (repository) and here (decision). */
async function recentImages(
  context: UiContext,
  query: { repository?: string; decision?: Decision; before?: string },
): Promise<{ items: ImageRecord[]; next?: string }> {
  const items: ImageRecord[] = [];
  let before = query.before;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const page = await context.deps.store.list({
      ...(query.repository ? { repository: query.repository } : {}),
      ...(before ? { before } : {}),
      limit: PAGE,
    });
    items.push(...page.items.filter((r) => query.decision === undefined || r.decision === query.decision));
    before = page.next;
    if (!before || items.length >= PAGE) break;
  }
  return { items, ...(before ? { next: before } : {}) };
}

export const imagesPage: UiRoute = {
  method: 'GET',
  path: '/images',
  access: 'session',
  async handle(context: UiContext, req: Request, res: Response) {
    const decision = choiceField(req, 'decision', DECISIONS);
    const repository = formField(req, 'repository', 256);
    const before = formField(req, 'before', 2048);
    const { items, next } = await recentImages(context, {
      ...(decision ? { decision } : {}),
      ...(repository ? { repository } : {}),
      ...(before ? { before } : {}),
    });
    const rows = items.map(
      (r) =>
        html`<tr>
          <td>${decisionBadge(r.decision)}</td>
          <td><a href="${imagePath(r)}">${r.registryHost}/${r.repository}</a></td>
          <td class="pg-mono">${r.tags.join(', ')}</td>
          <td class="pg-num">${size(r.facts.sizeBytes)}</td>
          <td>${when(r.evaluatedAt)}</td>
        </tr>`,
    );
    sendPage(res, 200, {
      title: 'Images',
      viewer: context.viewer,
      current: 'images',
      body: html`<h1>Images</h1>
        <form class="pg-filters" method="get" action="/ui/images" role="search" aria-label="Filter images">
          <label
            >Decision
            <select name="decision">
              <option value="">any</option>
              ${DECISIONS.map((d) => (d === decision ? html`<option selected>${d}</option>` : html`<option>${d}</option>`))}
            </select></label
          >
          <label
            >Repository <input name="repository" value="${repository ?? ''}" placeholder="team/app" size="30"
          /></label>
          <button type="submit">Filter</button>
          ${decision || repository ? html`<a href="/ui/images">Clear</a>` : ''}
        </form>
        ${
          rows.length === 0
            ? html`<p>No image matches.</p>`
            : html`<table class="pg-table">
                <caption class="pg-sr">
                  Recently judged images, newest first
                </caption>
                ${tableHead('Decision', 'Image', 'Tags', { label: 'Size', className: 'pg-num' }, 'Judged')}
                <tbody>
                  ${rows}
                </tbody>
              </table>`
        }
        ${next ? html`<p><a rel="next" href="${href('/ui/images', { decision, repository, before: next })}">Older images</a></p>` : ''}`,
    });
  },
};
