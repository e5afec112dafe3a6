import type { Request, Response } from 'express';
import { PushgateError } from '../../errors.js';
import { isDigest } from '../../oci/digest.js';
import { renderReportHtml } from '../../report/html-report.js';
import type { AuditEntry, ImageRecord } from '../../store/types.js';
import { decisionBadge, imagePath, shortDigest, size, when } from './format.js';
import { html, tableHead, type Html } from './html.js';
import { header, sendPage, sendRendered, styleElement } from './layout.js';
import { formField } from './query.js';
import { reportFromRecord } from './report-from-record.js';
import type { UiContext, UiRoute } from './ui-types.js';

const AUDIT_ENTRIES = 50;

function summary(record: ImageRecord, tags: readonly string[]): Html {
  return html`<h2 id="verdict">Verdict</h2>
    <table class="pg-table">
      <tbody>
        <tr>
          <th scope="row">Image</th>
          <td class="pg-mono">${record.registryHost}/${record.repository}@${record.digest}</td>
        </tr>
        <tr>
          <th scope="row">Registry</th>
          <td>${record.registry}</td>
        </tr>
        <tr>
          <th scope="row">Tags</th>
          <td class="pg-mono">${tags.join(', ') || '—'}</td>
        </tr>
        <tr>
          <th scope="row">Decision</th>
          <td>${decisionBadge(record.decision)}${record.unjudged ? ' (could not be judged)' : ''}</td>
        </tr>
        <tr>
          <th scope="row">Reasons</th>
          <td>
            ${
              record.reasons.length > 0
                ? html`<ul>
                    ${record.reasons.map((r) => html`<li>${r}</li>`)}
                  </ul>`
                : '—'
            }
          </td>
        </tr>
        ${
          record.error
            ? html`<tr>
                <th scope="row">Error</th>
                <td class="pg-mono">${record.error.code}: ${record.error.message}</td>
              </tr>`
            : ''
        }
        <tr>
          <th scope="row">Size</th>
          <td>
            ${size(record.facts.sizeBytes)} in ${record.facts.layers} layers
            (${record.facts.platforms.join(', ') || 'no platform'})
          </td>
        </tr>
        <tr>
          <th scope="row">Judged</th>
          <td>
            ${when(record.evaluatedAt)}, policy set <span class="pg-mono">${record.policySetVersion}</span>,
            scan ${record.scanMs} ms
          </td>
        </tr>
      </tbody>
    </table>`;
}

function actions(record: ImageRecord): Html {
  return html`<h2 id="actions">Actions</h2>
    ${
      record.actions.length === 0
        ? html`<p>No action was taken.</p>`
        : html`<table class="pg-table">
            ${tableHead('Action', 'Outcome', 'Detail', 'When')}
            <tbody>
              ${record.actions.map(
                (a) =>
                  html`<tr>
                    <td>${a.kind}</td>
                    <td>${a.outcome}</td>
                    <td class="pg-mono">${a.detail}${a.error ? html`<br />${a.error}` : ''}</td>
                    <td>${when(a.at)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

function audit(entries: readonly AuditEntry[]): Html {
  return html`<h2 id="audit">Audit</h2>
    ${
      entries.length === 0
        ? html`<p>No audit entry names this image.</p>`
        : html`<table class="pg-table">
            ${tableHead('When', 'What', 'Outcome', 'Detail')}
            <tbody>
              ${entries.map(
                (e) =>
                  html`<tr>
                    <td>${when(e.time)}</td>
                    <td>
                      ${e.type}${e.action ? ` ${e.action}` : ''}${e.tag ? html` <span class="pg-mono">:${e.tag}</span>` : ''}
                    </td>
                    <td>${e.outcome ?? e.decision ?? ''}</td>
                    <td class="pg-mono">${e.detail ?? ''}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

/** Several repositories hold this digest: the reader picks one. */
function chooser(context: UiContext, res: Response, digest: string, records: readonly ImageRecord[]): void {
  sendPage(res, 200, {
    title: shortDigest(digest),
    viewer: context.viewer,
    current: 'images',
    body: html`<h1>${shortDigest(digest)}</h1>
      <p>This digest was judged in ${records.length} repositories; each has its own verdict and actions.</p>
      <ul>
        ${records.map((r) => html`<li><a href="${imagePath(r)}">${r.registryHost}/${r.repository}</a> ${decisionBadge(r.decision)}</li>`)}
      </ul>`,
  });
}

/**
 * One image: the report the HTML format prints, rendered from the stored facts and verdicts, with
 * the record's summary, actions and audit entries from the store.
 */
export const imagePage: UiRoute = {
  method: 'GET',
  path: '/images/:digest',
  access: 'session',
  async handle(context: UiContext, req: Request, res: Response) {
    const digest = String(req.params.digest);
    if (!isDigest(digest)) throw new PushgateError('BAD_REQUEST', 'not an image digest (sha256:<64 hex>)');
    const registry = formField(req, 'registry');
    const repository = formField(req, 'repository');
    const { store } = context.deps;
    const records = (await store.getAll(digest)).filter(
      (r) =>
        (registry === undefined || r.registry === registry) &&
        (repository === undefined || r.repository === repository),
    );
    if (records.length === 0) throw new PushgateError('NOT_FOUND', `no verdict for ${digest}`);
    if (records.length > 1) {
      chooser(context, res, digest, records);
      return;
    }
    const record = records[0];
    const [tags, facts, log] = await Promise.all([
      store.tags(record.registry, record.repository, record.digest),
      context.deps.facts.get(record.digest),
      context.deps.audit.list({
        digest: record.digest,
        registry: record.registry,
        repository: record.repository,
        limit: AUDIT_ENTRIES,
      }),
    ]);
    const allTags = [...new Set([...record.tags, ...tags])];
    const title = `${record.registryHost}/${record.repository}@${shortDigest(record.digest)}`;
    const ours = html`${summary(record, allTags)} ${actions(record)} ${audit(log.entries)}`;
    const report = facts ? reportFromRecord(record, facts) : undefined;
    if (!report) {
      sendPage(res, 200, {
        title,
        viewer: context.viewer,
        current: 'images',
        body: html`<h1>${title}</h1>
          <p class="pg-error">
            The facts of this image are not stored (it could not be inspected, or its facts were too large to
            keep), so there is no report to show; the verdict below is what is known.
          </p>
          ${ours}`,
      });
      return;
    }
    const rendered = renderReportHtml(report, {
      title,
      formsToSelf: true,
      extraHead: styleElement().value,
      extraBody: html`${header(context.viewer, 'images')}
        <section class="pg-ui" id="main" tabindex="-1" aria-label="Verdict, actions and audit">
          ${ours}
        </section>`.value,
    });
    sendRendered(res, rendered);
  },
};
