import type { Request, Response } from 'express';
import { ADMITTED_DECISIONS, listAdmissions } from '../../pipeline/admitted-workloads.js';
import { decisionBadge, imagePath, shortDigest, when } from './format.js';
import { href, html, tableHead } from './html.js';
import { sendPage } from './layout.js';
import { choiceField, formField } from './query.js';
import type { UiContext, UiRoute } from './ui-types.js';

const PAGE = 50;

/** What the admission webhook admitted, newest first, with each digest's current verdict (as the API lists it). */
export const admissionsPage: UiRoute = {
  method: 'GET',
  path: '/admissions',
  access: 'session',
  async handle(context: UiContext, req: Request, res: Response) {
    const decision = choiceField(req, 'decision', ADMITTED_DECISIONS);
    const before = formField(req, 'before', 4096);
    const { store, admitted } = context.deps;
    const page = await listAdmissions(
      { admitted, verdicts: { get: (digest) => store.get(digest) } },
      { ...(decision ? { decision } : {}), ...(before ? { before } : {}), limit: PAGE },
    );
    const rows = page.admissions.map(
      (a) =>
        html`<tr>
          <td>${decisionBadge(a.decision)}</td>
          <td>${a.namespace}/${a.kind}/${a.name}</td>
          <td class="pg-mono">${a.image}</td>
          <td class="pg-mono">
            ${
              a.decision === 'unknown'
                ? shortDigest(a.digest)
                : html`<a
                    href="${imagePath({ digest: a.digest, registry: a.registry, repository: a.repository })}"
                    >${shortDigest(a.digest)}</a
                  >`
            }
          </td>
          <td>${when(a.admittedAt)}</td>
        </tr>`,
    );
    sendPage(res, 200, {
      title: 'Admitted workloads',
      viewer: context.viewer,
      current: 'admissions',
      body: html`<h1>Admitted workloads</h1>
        <p>Workloads the admission webhook let run, with the current verdict of the image each runs.</p>
        <form
          class="pg-filters"
          method="get"
          action="/ui/admissions"
          role="search"
          aria-label="Filter admissions"
        >
          <label
            >Current decision
            <select name="decision">
              <option value="">any</option>
              ${ADMITTED_DECISIONS.map((d) => (d === decision ? html`<option selected>${d}</option>` : html`<option>${d}</option>`))}
            </select></label
          >
          <button type="submit">Filter</button>
          ${decision ? html`<a href="/ui/admissions">Clear</a>` : ''}
        </form>
        ${
          rows.length === 0
            ? html`<p>No admitted workload matches.</p>`
            : html`<table class="pg-table">
                <caption class="pg-sr">
                  Admitted workloads, newest first
                </caption>
                ${tableHead('Decision now', 'Workload', 'Image as written', 'Digest', 'Admitted')}
                <tbody>
                  ${rows}
                </tbody>
              </table>`
        }
        ${page.next ? html`<p><a rel="next" href="${href('/ui/admissions', { decision, before: page.next })}">Older admissions</a></p>` : ''}`,
    });
  },
};
