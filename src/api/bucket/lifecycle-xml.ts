/**
 * OSS's LifecycleConfiguration XML ⇄ the stored rules, with PutBucketLifecycle's validation: the error
 * codes, EC numbers and conflicts OSS documents for overlapping rules.
 */
import { randomUUID } from 'node:crypto';
import { OssError } from '../../errors/oss-error.js';
import { child, children, childText, parseXml, type XmlObject, type XmlValue } from '../../http/xml.js';
import {
  coldness,
  type LifecycleRule,
  type LifecycleTag,
  type LifecycleWhen,
  MAX_LIFECYCLE_RULES,
  type NoncurrentTransition,
  TRANSITION_CLASSES,
  type TransitionClass,
} from '../../storage/lifecycle-rules.js';

function malformed(message: string, ec = '0014-00000011'): OssError {
  return new OssError('MalformedXML', { message, ec });
}

function invalid(name: string, value: string, message: string, ec?: string): OssError {
  return new OssError('InvalidArgument', { message, ec, extra: { ArgumentName: name, ArgumentValue: value } });
}

const ONLY_ONE = new Set([
  'ID',
  'Prefix',
  'Status',
  'Filter',
  'Expiration',
  'AbortMultipartUpload',
  'NoncurrentVersionExpiration',
]);

function elementNames(node: XmlValue): string[] {
  const n = Array.isArray(node) ? node[0] : node;
  return n && typeof n === 'object' && !Array.isArray(n) ? Object.keys(n).filter((k) => k !== '#text') : [];
}

function positiveInt(node: XmlValue, name: string): number | undefined {
  const raw = childText(node, name)?.trim();
  if (raw === undefined) return undefined;
  if (!/^[1-9][0-9]{0,5}$/.test(raw)) throw invalid(name, raw, `${name} must be a positive integer.`);
  return Number(raw);
}

function midnightDate(node: XmlValue, name: string): string | undefined {
  const raw = childText(node, name)?.trim();
  if (raw === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T00:00:00(\.000)?Z$/.exec(raw);
  const ms = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T00:00:00.000Z`) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== raw.slice(0, 10)) {
    throw invalid(name, raw, `${name} must be an ISO 8601 date at midnight UTC, e.g. 2024-01-01T00:00:00.000Z.`);
  }
  return new Date(ms).toISOString();
}

function bool(node: XmlValue, name: string): boolean | undefined {
  const raw = childText(node, name)?.trim();
  if (raw === undefined) return undefined;
  if (raw !== 'true' && raw !== 'false') throw malformed(`${name} must be true or false.`);
  return raw === 'true';
}

function when(node: XmlValue, element: string): LifecycleWhen {
  const days = positiveInt(node, 'Days');
  const createdBeforeDate = midnightDate(node, 'CreatedBeforeDate');
  if (days !== undefined && createdBeforeDate !== undefined)
    throw malformed(`${element} must contain either Days or CreatedBeforeDate, not both.`);
  if (days === undefined && createdBeforeDate === undefined)
    throw malformed(`${element} must contain Days or CreatedBeforeDate.`);
  return days !== undefined ? { days } : { createdBeforeDate };
}

function storageClass(node: XmlValue, element: string): TransitionClass {
  const raw = childText(node, 'StorageClass')?.trim();
  if (raw === undefined) throw malformed(`${element} must contain StorageClass.`);
  if (!(TRANSITION_CLASSES as readonly string[]).includes(raw)) {
    throw invalid('StorageClass', raw, `${element} StorageClass must be one of ${TRANSITION_CLASSES.join(', ')}.`);
  }
  return raw as TransitionClass;
}

function tag(node: XmlValue): LifecycleTag {
  const key = childText(node, 'Key');
  const value = childText(node, 'Value') ?? '';
  if (key === undefined || key === '') throw malformed('A Tag must contain a non-empty Key.');
  if (key.length > 128 || value.length > 256)
    throw invalid('Tag', key, 'A tag key is at most 128 characters, its value at most 256.');
  return { key, value };
}

function parseRule(node: XmlValue): LifecycleRule {
  // Other elements are ignored, as OSS does (ali-oss's shorthand `days`/`date` also sends Rule/Days, Rule/Date).
  for (const name of elementNames(node)) {
    if (ONLY_ONE.has(name) && children(node, name).length > 1) throw malformed(`Rule has more than one ${name}.`);
  }
  let id = childText(node, 'ID')?.trim() ?? '';
  if (Buffer.byteLength(id) > 255) throw invalid('ID', id, 'ID is composed of 255 bytes at most.', '0014-00000019');
  if (id === '') id = randomUUID();
  const prefix = childText(node, 'Prefix');
  if (prefix === undefined) throw malformed('Rule must contain Prefix.', '0014-00000021');
  if (prefix.length > 1023) throw invalid('Prefix', prefix, 'Prefix is at most 1023 characters.', '0014-00000023');
  const status = childText(node, 'Status')?.trim();
  if (status !== 'Enabled' && status !== 'Disabled') throw malformed('Status must be Enabled or Disabled.');
  const tags = children(node, 'Tag').map(tag);
  if (new Set(tags.map((t) => t.key)).size !== tags.length)
    throw invalid('Tag', tags[0].key, 'A rule may name each tag key once.');
  const rule: LifecycleRule = {
    id,
    prefix,
    status,
    tags,
    transitions: [],
    noncurrentVersionTransitions: [],
  };
  const filter = child(node, 'Filter');
  if (filter !== undefined) {
    const nots = children(filter, 'Not');
    if (nots.length > 1) throw malformed('Filter has more than one Not.');
    if (nots.length === 1) {
      const notPrefix = childText(nots[0], 'Prefix');
      if (notPrefix === undefined || notPrefix === '')
        throw invalid('Prefix', '', 'Filter/Not must contain a non-empty Prefix.', '0014-00000035');
      if (!notPrefix.startsWith(prefix)) {
        throw invalid(
          'Prefix',
          notPrefix,
          'The Prefix of Filter/Not must start with the Prefix of the rule.',
          '0014-00000035',
        );
      }
      const notTags = children(nots[0], 'Tag').map(tag);
      if (notTags.length > 1) throw malformed('Filter/Not has more than one Tag.');
      const notTag = notTags[0];
      if (notTag && tags.some((t) => t.key === notTag.key && t.value === notTag.value)) {
        throw invalid(
          'Tag',
          notTag.key,
          'The Tag of Filter/Not must differ from the Tags of the rule.',
          '0014-00000036',
        );
      }
      if (notPrefix === prefix && !notTag)
        throw invalid('Prefix', notPrefix, 'Filter/Not would exclude every object of the rule.', '0014-00000035');
      rule.not = notTag ? { prefix: notPrefix, tag: notTag } : { prefix: notPrefix };
    }
    const gt = childText(filter, 'ObjectSizeGreaterThan')?.trim();
    const lt = childText(filter, 'ObjectSizeLessThan')?.trim();
    for (const [name, v] of [
      ['ObjectSizeGreaterThan', gt],
      ['ObjectSizeLessThan', lt],
    ] as const) {
      if (v !== undefined && !/^\d{1,15}$/.test(v)) throw invalid(name, v, `${name} must be a non-negative integer.`);
    }
    if (gt !== undefined) rule.sizeGreaterThan = Number(gt);
    if (lt !== undefined) rule.sizeLessThan = Number(lt);
    if (
      rule.sizeGreaterThan !== undefined &&
      rule.sizeLessThan !== undefined &&
      rule.sizeGreaterThan >= rule.sizeLessThan
    )
      throw invalid('ObjectSizeLessThan', String(lt), 'ObjectSizeLessThan must be greater than ObjectSizeGreaterThan.');
  }
  const exp = child(node, 'Expiration');
  if (exp !== undefined) {
    const marker = bool(exp, 'ExpiredObjectDeleteMarker');
    const hasTime = childText(exp, 'Days') !== undefined || childText(exp, 'CreatedBeforeDate') !== undefined;
    if (marker !== undefined && hasTime)
      throw malformed('ExpiredObjectDeleteMarker cannot be used with Days or CreatedBeforeDate.');
    if (marker !== undefined) {
      if (tags.length)
        throw invalid('Tag', tags[0].key, 'ExpiredObjectDeleteMarker cannot be used with Tag.', '0014-00000027');
      rule.expiration = { expiredObjectDeleteMarker: marker };
    } else rule.expiration = when(exp, 'Expiration');
  }
  for (const t of children(node, 'Transition')) {
    rule.transitions.push({
      ...when(t, 'Transition'),
      storageClass: storageClass(t, 'Transition'),
      isAccessTime: bool(t, 'IsAccessTime'),
      returnToStdWhenVisit: bool(t, 'ReturnToStdWhenVisit'),
    });
  }
  const abort = child(node, 'AbortMultipartUpload');
  if (abort !== undefined) {
    if (tags.length)
      throw invalid('Tag', tags[0].key, 'AbortMultipartUpload cannot be used with Tag.', '0014-00000027');
    rule.abortMultipartUpload = when(abort, 'AbortMultipartUpload');
  }
  const nve = child(node, 'NoncurrentVersionExpiration');
  if (nve !== undefined) {
    const noncurrentDays = positiveInt(nve, 'NoncurrentDays');
    if (noncurrentDays === undefined) throw malformed('NoncurrentVersionExpiration must contain NoncurrentDays.');
    rule.noncurrentVersionExpiration = { noncurrentDays };
  }
  for (const t of children(node, 'NoncurrentVersionTransition')) {
    const noncurrentDays = positiveInt(t, 'NoncurrentDays');
    if (noncurrentDays === undefined) throw malformed('NoncurrentVersionTransition must contain NoncurrentDays.');
    rule.noncurrentVersionTransitions.push({
      noncurrentDays,
      storageClass: storageClass(t, 'NoncurrentVersionTransition'),
      isAccessTime: bool(t, 'IsAccessTime'),
      returnToStdWhenVisit: bool(t, 'ReturnToStdWhenVisit'),
    });
  }
  if (
    !rule.expiration &&
    !rule.transitions.length &&
    !rule.abortMultipartUpload &&
    !rule.noncurrentVersionExpiration &&
    !rule.noncurrentVersionTransitions.length
  ) {
    throw malformed(
      'Rule must contain Expiration, Transition, AbortMultipartUpload, NoncurrentVersionExpiration or NoncurrentVersionTransition.',
    );
  }
  return rule;
}

/** Current-version actions of one rule, as (kind, time) pairs for the ordering checks. */
interface Timed {
  kind: 'expire' | TransitionClass;
  when: LifecycleWhen;
}

function timedActions(r: LifecycleRule): Timed[] {
  const out: Timed[] = r.transitions.map((t) => ({ kind: t.storageClass, when: t }));
  if (r.expiration && !r.expiration.expiredObjectDeleteMarker) out.push({ kind: 'expire', when: r.expiration });
  return out;
}

function noncurrentActions(r: LifecycleRule): { kind: 'expire' | TransitionClass; days: number }[] {
  const out: { kind: 'expire' | TransitionClass; days: number }[] = r.noncurrentVersionTransitions.map(
    (t: NoncurrentTransition) => ({ kind: t.storageClass, days: t.noncurrentDays }),
  );
  if (r.noncurrentVersionExpiration) out.push({ kind: 'expire', days: r.noncurrentVersionExpiration.noncurrentDays });
  return out;
}

const rank = (k: 'expire' | TransitionClass) => (k === 'expire' ? 99 : coldness(k));
/** Where an action falls in an object's life: more days is later; an earlier CreatedBeforeDate is later (older objects). */
const moment = (w: LifecycleWhen) => (w.days !== undefined ? w.days : -Date.parse(w.createdBeforeDate ?? ''));

/** Actions that apply to one object must not contradict: colder later, expiration last, one time basis. */
function checkOrder(actions: Timed[], id: string): void {
  for (let i = 0; i < actions.length; i++) {
    for (let j = i + 1; j < actions.length; j++) {
      const a = actions[i];
      const b = actions[j];
      if ((a.when.days === undefined) !== (b.when.days === undefined)) {
        if (a.kind === 'expire' || b.kind === 'expire') continue;
        throw invalid(
          'Rule',
          id,
          'Overlapping rules must all use Days or all use CreatedBeforeDate for their actions.',
          '0014-00000080',
        );
      }
      if (a.kind === b.kind) continue;
      const [early, late] = rank(a.kind) < rank(b.kind) ? [a, b] : [b, a];
      if (!(moment(late.when) > moment(early.when))) {
        throw invalid(
          'Rule',
          id,
          `The time of ${late.kind === 'expire' ? 'Expiration' : `a transition to ${late.kind}`} must be later than that of a transition to ${early.kind}.`,
          '0014-00000082',
        );
      }
    }
  }
}

function checkNoncurrentOrder(actions: { kind: 'expire' | TransitionClass; days: number }[], id: string): void {
  for (let i = 0; i < actions.length; i++) {
    for (let j = i + 1; j < actions.length; j++) {
      const [early, late] =
        rank(actions[i].kind) < rank(actions[j].kind) ? [actions[i], actions[j]] : [actions[j], actions[i]];
      if (early.kind !== late.kind && !(late.days > early.days)) {
        throw invalid(
          'Rule',
          id,
          'Noncurrent-version actions must be later the colder they are, NoncurrentVersionExpiration last.',
          '0014-00000082',
        );
      }
    }
  }
}

function checkRule(r: LifecycleRule): void {
  const classes = r.transitions.map((t) => t.storageClass);
  if (new Set(classes).size !== classes.length)
    throw invalid('StorageClass', classes[0], 'A rule may transition to each storage class once.', '0014-00000079');
  checkOrder(timedActions(r), r.id);
  const nc = r.noncurrentVersionTransitions.map((t) => t.storageClass);
  if (new Set(nc).size !== nc.length)
    throw invalid('StorageClass', nc[0], 'A rule may transition to each storage class once.', '0014-00000079');
  checkNoncurrentOrder(noncurrentActions(r), r.id);
}

/**
 * Rules without tags whose prefixes overlap act on the same objects: OSS refuses equal prefixes, two rules
 * of the same kind of action, transitions to the same class, and actions out of order.
 */
function checkOverlap(a: LifecycleRule, b: LifecycleRule, allowSameActionOverlap: boolean): void {
  if (a.tags.length || b.tags.length || a.not || b.not) return;
  if (!(a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix))) return;
  if (a.prefix === b.prefix) throw invalid('Prefix', a.prefix, 'Two rules have the same Prefix.', '0014-00000085');
  const both = (f: (r: LifecycleRule) => unknown) => f(a) !== undefined && f(b) !== undefined;
  if (
    !allowSameActionOverlap &&
    (both((r) => (r.expiration && !r.expiration.expiredObjectDeleteMarker ? r.expiration : undefined)) ||
      both((r) => r.noncurrentVersionExpiration) ||
      both((r) => r.abortMultipartUpload))
  ) {
    throw invalid(
      'Prefix',
      b.prefix,
      `Rules ${a.id} and ${b.id} have overlapping prefixes and the same action.`,
      '0014-00000084',
    );
  }
  const ca = new Set(a.transitions.map((t) => t.storageClass));
  const cb = b.transitions.map((t) => t.storageClass);
  if (cb.some((c) => ca.has(c))) {
    throw invalid(
      'StorageClass',
      cb.find((c) => ca.has(c)) ?? '',
      `Rules ${a.id} and ${b.id} have overlapping prefixes and transition to the same storage class.`,
      '0014-00000079',
    );
  }
  checkOrder([...timedActions(a), ...timedActions(b)], b.id);
  checkNoncurrentOrder([...noncurrentActions(a), ...noncurrentActions(b)], b.id);
}

/**
 * `<LifecycleConfiguration><Rule>…</Rule>…</LifecycleConfiguration>` → validated rules.
 * `allowSameActionOverlap` (header `x-oss-allow-same-action-overlap: true`) lets rules with overlapping
 * prefixes share an action.
 */
export function parseLifecycleConfiguration(xml: string, allowSameActionOverlap = false): LifecycleRule[] {
  const doc = parseXml(xml);
  const roots = children(doc, 'LifecycleConfiguration');
  if (roots.length !== 1) throw malformed('The root element must be LifecycleConfiguration.');
  for (const name of elementNames(roots[0]))
    if (name !== 'Rule') throw malformed(`Unknown element ${name} in LifecycleConfiguration.`, '0014-00000015');
  const nodes = children(roots[0], 'Rule');
  if (nodes.length === 0) throw malformed('LifecycleConfiguration must contain at least one Rule.');
  if (nodes.length > MAX_LIFECYCLE_RULES) {
    throw invalid('Rule', String(nodes.length), `A bucket can have at most ${MAX_LIFECYCLE_RULES} lifecycle rules.`);
  }
  const rules = nodes.map(parseRule);
  const ids = new Set<string>();
  for (const r of rules) {
    if (ids.has(r.id)) throw invalid('ID', r.id, `Rule ID ${r.id} is used more than once.`);
    ids.add(r.id);
    checkRule(r);
  }
  for (let i = 0; i < rules.length; i++)
    for (let j = i + 1; j < rules.length; j++) checkOverlap(rules[i], rules[j], allowSameActionOverlap);
  return rules;
}

function whenXml(w: LifecycleWhen): XmlObject {
  return w.days !== undefined ? { Days: w.days } : { CreatedBeforeDate: w.createdBeforeDate };
}

const tagXml = (t: LifecycleTag) => ({ Key: t.key, Value: t.value });

/** The rules as GetBucketLifecycle's `<LifecycleConfiguration>` body (without the root element). */
export function lifecycleXmlBody(rules: LifecycleRule[]): XmlObject {
  return {
    Rule: rules.map((r) => {
      const filter: XmlObject = {};
      if (r.not) filter.Not = { Prefix: r.not.prefix, Tag: r.not.tag && tagXml(r.not.tag) };
      if (r.sizeGreaterThan !== undefined) filter.ObjectSizeGreaterThan = r.sizeGreaterThan;
      if (r.sizeLessThan !== undefined) filter.ObjectSizeLessThan = r.sizeLessThan;
      return {
        ID: r.id,
        Prefix: r.prefix,
        Status: r.status,
        Tag: r.tags.length ? r.tags.map(tagXml) : undefined,
        Filter: Object.keys(filter).length ? filter : undefined,
        Expiration: r.expiration
          ? r.expiration.expiredObjectDeleteMarker !== undefined
            ? { ExpiredObjectDeleteMarker: r.expiration.expiredObjectDeleteMarker }
            : whenXml(r.expiration)
          : undefined,
        Transition: r.transitions.length
          ? r.transitions.map((t) => ({
              ...whenXml(t),
              StorageClass: t.storageClass,
              IsAccessTime: t.isAccessTime,
              ReturnToStdWhenVisit: t.returnToStdWhenVisit,
            }))
          : undefined,
        AbortMultipartUpload: r.abortMultipartUpload && whenXml(r.abortMultipartUpload),
        NoncurrentVersionTransition: r.noncurrentVersionTransitions.length
          ? r.noncurrentVersionTransitions.map((t) => ({
              NoncurrentDays: t.noncurrentDays,
              StorageClass: t.storageClass,
              IsAccessTime: t.isAccessTime,
              ReturnToStdWhenVisit: t.returnToStdWhenVisit,
            }))
          : undefined,
        NoncurrentVersionExpiration: r.noncurrentVersionExpiration && {
          NoncurrentDays: r.noncurrentVersionExpiration.noncurrentDays,
        },
      };
    }),
  };
}
