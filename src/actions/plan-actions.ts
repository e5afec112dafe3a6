import type { EnforcementConfig, RegistryConfig } from '../config/types.js';
import { isPushgateError } from '../errors.js';
import { isValidRepository, isValidTag } from '../oci/reference.js';
import type { LoadedPolicy } from '../policy/types.js';
import type { AdmittedImage } from '../store/admitted-images.js';
import type { ImageRecord } from '../store/types.js';
import type { PlannedAction, PlannedNotify, PlannedQuarantine, PlannedTag } from './planned-action.js';
import { SecretValue } from './secret-value.js';
import { renderTemplate, untaggedName, type TemplateValues } from '../config/tag-template.js';

export interface PlanActionsInput {
  record: ImageRecord;
  policies: readonly LoadedPolicy[];
  enforcement: EnforcementConfig;
  registry: RegistryConfig;
  /**
   * What the cluster runs of this digest (read by the enforcer): the admitted workloads, named in
   * notifications, and whether one was admitted within `admission.protectAdmittedDays` (`days`),
   * which turns a delete into the fail tag.
   */
  admitted?: { workloads: readonly AdmittedImage[]; recently: boolean; days: number };
}

/**
 * What to do about one image's verdict, in the order it must be done:
 * - `reject`: delete (or quarantine: copy, then delete); where the registry does not allow
 *   deletes, tag with `failTag` instead and say why. An UNJUDGED reject follows `rejectUnjudged`.
 * - `tag`: one tag per image tag with each failing enforce policy's `onFail.tag` template, else
 *   `failTag`.
 * - `pass`: the `onPass.tag` templates of passing enforce policies, else `passTag` when set.
 * - `warn`: the same as `pass` when `passTagOnWarn` (the default), each tag's reason naming the
 *   policies that warned; else no registry change.
 * - `error`: no registry change (an error is recorded, not acted on).
 * A delete or quarantine of a digest the cluster admitted recently (`admitted.recently`) becomes
 * the fail tag instead, so running pods can still be rescheduled; the notifications say so.
 * Then `attach` (when enabled; never for a deleted manifest; in the quarantine repository after a
 * quarantine) and one `notify` per target that wants this decision, naming the admitted
 * workloads. Pure: reads nothing.
 */
export function planActions(input: PlanActionsInput): PlannedAction[] {
  const { record, enforcement, registry } = input;
  const { repository, digest, decision } = record;
  const where = record.registryHost;
  const tags = record.tags.length > 0 ? unique(record.tags) : [untaggedName(digest)];
  const planned: PlannedAction[] = [];
  /** Where the verdict artifact goes; undefined when the manifest will be gone. */
  let attachIn: string | undefined = repository;

  if (decision === 'reject') {
    const how = rejectAction(record, enforcement);
    if (how === 'tag') {
      const reason = `it could not be judged (UNJUDGED), and enforcement.rejectUnjudged is ${enforcement.rejectUnjudged}, so the image is tagged, not deleted`;
      planned.push(...tagActions(record, tags, [enforcement.failTag], reason));
    } else if (!registry.allowDelete) {
      const reason = `registry "${registry.name}" does not allow deletes (allowDelete: false), so the rejected image is tagged instead`;
      planned.push(...tagActions(record, tags, [enforcement.failTag], reason));
    } else if (input.admitted?.recently === true) {
      const reason = `the cluster admitted this digest within admission.protectAdmittedDays (${input.admitted.days} days), so it is tagged, not deleted: running pods can still be rescheduled`;
      planned.push(...tagActions(record, tags, [enforcement.failTag], reason));
    } else if (how === 'quarantine') {
      const quarantine = planQuarantine(record, tags, enforcement.quarantineRepository);
      planned.push(quarantine);
      attachIn = quarantine.problem === undefined ? quarantine.quarantineRepository : undefined;
    } else {
      planned.push({ kind: 'delete', repository, digest, detail: `delete ${where}/${repository}@${digest}` });
      attachIn = undefined;
    }
  } else if (decision === 'tag') {
    const templates = failingTagTemplates(record, input.policies);
    planned.push(
      ...tagActions(record, tags, templates.length > 0 ? templates : [enforcement.failTag], undefined),
    );
  } else if (decision === 'pass' || (decision === 'warn' && enforcement.passTagOnWarn)) {
    const reason =
      decision === 'warn'
        ? `passes with warnings from ${warningPolicies(record).join(', ') || 'its policies'} (enforcement.passTagOnWarn)`
        : undefined;
    const templates = passingTagTemplates(record, input.policies);
    if (templates.length > 0) planned.push(...tagActions(record, tags, templates, reason));
    else if (enforcement.passTag !== undefined)
      planned.push(...tagActions(record, tags, [enforcement.passTag], reason));
  }

  if (enforcement.attachReport && attachIn !== undefined) {
    planned.push({
      kind: 'attach',
      repository: attachIn,
      digest,
      detail: `attach verdict to ${where}/${attachIn}@${digest}`,
    });
  }
  planned.push(...planNotifications(record, enforcement, input.admitted?.workloads ?? []));
  return planned;
}

/**
 * One `notify` per target of `enforcement.notify` that wants the record's decision, naming the
 * admitted workloads when there are any. Pure; also what a re-evaluated verdict sends, which
 * queues no enforcement.
 */
export function planNotifications(
  record: ImageRecord,
  enforcement: Pick<EnforcementConfig, 'notify'>,
  admitted: readonly AdmittedImage[],
): PlannedNotify[] {
  const planned: PlannedNotify[] = [];
  enforcement.notify.forEach((target, index) => {
    if (target.decisions !== undefined && !target.decisions.includes(record.decision)) return;
    planned.push({
      kind: 'notify',
      url: target.url,
      target: index,
      detail: `notify #${index} ${urlOrigin(target.url)}`,
      ...(target.secret !== undefined ? { secret: new SecretValue(target.secret) } : {}),
      ...(admitted.length > 0 ? { admitted: [...admitted] } : {}),
    });
  });
  return planned;
}

/**
 * How a reject is carried out. An image that could not be judged (UNJUDGED) follows
 * `rejectUnjudged`, whose `auto` never deletes outright: a defect in pushgate must not wipe a
 * registry. A judged reject follows `reject`.
 */
function rejectAction(record: ImageRecord, enforcement: EnforcementConfig): 'delete' | 'quarantine' | 'tag' {
  if (record.unjudged !== true) return enforcement.reject;
  if (enforcement.rejectUnjudged !== 'auto') return enforcement.rejectUnjudged;
  return enforcement.reject === 'quarantine' ? 'quarantine' : 'tag';
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

/** One tag action per distinct rendered tag; a tag the image already has is not written again. */
function tagActions(
  record: ImageRecord,
  tags: readonly string[],
  templates: readonly string[],
  reason: string | undefined,
): PlannedTag[] {
  const seen = new Set<string>(record.tags);
  const actions: PlannedTag[] = [];
  for (const template of templates) {
    for (const tag of tags) {
      const values: TemplateValues = {
        tag,
        digest: record.digest,
        repository: record.repository,
        decision: record.decision,
      };
      const action: PlannedTag = {
        kind: 'tag',
        repository: record.repository,
        digest: record.digest,
        tag: '',
        detail: '',
        ...(reason !== undefined ? { reason } : {}),
      };
      try {
        action.tag = renderTemplate(template, values);
        if (!isValidTag(action.tag)) {
          action.problem = `tag template "${template}" rendered "${action.tag}", which is not a valid tag (at most 128 characters of [A-Za-z0-9_.-], not starting with . or -)`;
        }
      } catch (err) {
        action.tag = template;
        action.problem = isPushgateError(err) ? err.message : String(err);
      }
      action.detail = `tag ${record.registryHost}/${record.repository}:${action.tag}`;
      if (action.problem === undefined) {
        if (seen.has(action.tag)) continue;
        seen.add(action.tag);
      }
      actions.push(action);
    }
  }
  return actions;
}

function planQuarantine(record: ImageRecord, tags: readonly string[], template: string): PlannedQuarantine {
  const action: PlannedQuarantine = {
    kind: 'quarantine',
    repository: record.repository,
    digest: record.digest,
    quarantineRepository: '',
    detail: '',
    tags: record.tags.length > 0 ? unique(record.tags) : [],
  };
  try {
    action.quarantineRepository = renderTemplate(template, {
      tag: tags[0],
      digest: record.digest,
      repository: record.repository,
      decision: record.decision,
    });
    if (!isValidRepository(action.quarantineRepository)) {
      action.problem = `quarantine repository template "${template}" rendered "${action.quarantineRepository}", which is not a valid repository name`;
    } else if (action.quarantineRepository === record.repository) {
      action.problem = `quarantine repository template "${template}" renders the image's own repository`;
    }
  } catch (err) {
    action.quarantineRepository = template;
    action.problem = isPushgateError(err) ? err.message : String(err);
  }
  action.detail = `quarantine ${record.registryHost}/${record.repository}@${record.digest} into ${record.registryHost}/${action.quarantineRepository}`;
  return action;
}

/** A URL shown without path, query or credentials: notify URLs often carry a token in the path. */
function urlOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid URL)';
  }
}

/** Names of enforce policies by how they ended on the image's platforms. */
function enforceResults(record: ImageRecord): {
  failed: Set<string>;
  passed: Set<string>;
  other: Set<string>;
} {
  const failed = new Set<string>();
  const passed = new Set<string>();
  const other = new Set<string>();
  for (const verdict of record.verdicts) {
    for (const result of verdict.policies) {
      if (result.mode !== 'enforce') continue;
      if (result.result === 'fail') failed.add(result.name);
      else if (result.result === 'pass') passed.add(result.name);
      else if (result.result !== 'skip') other.add(result.name);
    }
  }
  return { failed, passed, other };
}

/** Enforce policies whose result was `warn` on any platform, in the order they were evaluated. */
function warningPolicies(record: ImageRecord): string[] {
  const names: string[] = [];
  for (const verdict of record.verdicts)
    for (const result of verdict.policies)
      if (result.mode === 'enforce' && result.result === 'warn') names.push(result.name);
  return unique(names);
}

/** `onFail.tag` templates of enforce policies that failed on any platform, in policy order. */
function failingTagTemplates(record: ImageRecord, policies: readonly LoadedPolicy[]): string[] {
  const { failed } = enforceResults(record);
  const templates: string[] = [];
  for (const { policy } of policies) {
    const onFail = policy.spec.onFail;
    if (failed.has(policy.metadata.name) && onFail?.action === 'tag') templates.push(onFail.tag);
  }
  return unique(templates);
}

/**
 * `onPass.tag` templates of enforce policies that passed, in policy order. A policy passes when
 * it passed on some platform and did nothing else on any other (skipped = outside its scope).
 */
function passingTagTemplates(record: ImageRecord, policies: readonly LoadedPolicy[]): string[] {
  const { failed, passed, other } = enforceResults(record);
  const templates: string[] = [];
  for (const { policy } of policies) {
    const name = policy.metadata.name;
    const onPass = policy.spec.onPass;
    if (onPass !== undefined && passed.has(name) && !failed.has(name) && !other.has(name)) {
      templates.push(onPass.tag);
    }
  }
  return unique(templates);
}
