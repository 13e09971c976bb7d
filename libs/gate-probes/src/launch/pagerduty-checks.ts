import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext, ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck, LaunchObservation } from './launch-check.js';
import type { LaunchSettings } from './launch-settings.js';
import { jsonText } from '../json-text.js';

export const PD_INCIDENTS_TITLE = 'No PagerDuty incident open';
export const PD_ONCALL_TITLE = 'On-call covers the beta window (levels 1 and 2)';
/** Pages followed (100 entries each): beyond that the answer is already clear. */
const MAX_PAGES = 10;

type PagerDuty = NonNullable<LaunchSettings['pagerduty']>;

function pdHeaders(pd: PagerDuty): Record<string, string> {
  return { Authorization: `Token token=${pd.token}`, Accept: 'application/vnd.pagerduty+json;version=2' };
}

/**
 * Follows offset pagination while `more` is true, MAX_PAGES at most;
 * `truncated` when PagerDuty still said `more` then. The token stays with
 * PAGERDUTY_URL's origin.
 */
async function listAll(
  ctx: ProbeContext,
  pd: PagerDuty,
  first: URL,
  key: string,
): Promise<{ items: Record<string, unknown>[]; truncated: boolean }> {
  const items: Record<string, unknown>[] = [];
  for (let page = 0, offset = 0; page < MAX_PAGES; page++) {
    first.searchParams.set('limit', '100');
    first.searchParams.set('offset', String(offset));
    const { body } = await requestJson(ctx, first.toString(), {
      headers: pdHeaders(pd),
      origin: new URL(pd.url).origin,
      originSetting: 'PAGERDUTY_URL',
    });
    const list = (body as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(list)) throw new ProbeProblem('parse', `PagerDuty answered without a "${key}" list`);
    items.push(...(list as Record<string, unknown>[]));
    if ((body as { more?: unknown }).more !== true) return { items, truncated: false };
    offset += list.length;
  }
  return { items, truncated: true };
}

/** Why a listing cut at MAX_PAGES cannot be judged: what was not read may change the answer. */
const cutShort = (key: string): LaunchObservation => ({
  state: 'unknown',
  reason: 'no_data',
  summary: `PagerDuty listing of ${key} cut after ${MAX_PAGES} pages while it said more remained: not judged on part of the list`,
});

/** D-day: no triggered or acknowledged incident on PAGERDUTY_SERVICE_IDS (all services when empty). */
export function pagerdutyIncidentsCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const pd = settings.pagerduty;
  if (!pd)
    return Promise.resolve(
      notConfiguredCheck(PD_INCIDENTS_TITLE, 'PAGERDUTY_TOKEN; PAGERDUTY_SERVICE_IDS to watch some services only, all without it'),
    );
  return runLaunchCheck(PD_INCIDENTS_TITLE, { ...options, secrets: [pd.token] }, async (ctx) => {
    const url = new URL(`${pd.url}/incidents`);
    url.searchParams.append('statuses[]', 'triggered');
    url.searchParams.append('statuses[]', 'acknowledged');
    for (const id of pd.serviceIds) url.searchParams.append('service_ids[]', id);
    const { items: incidents, truncated } = await listAll(ctx, pd, url, 'incidents');
    // Incidents found are 🔴 whatever remains unread; none found in a cut listing proves nothing.
    if (incidents.length === 0 && truncated) return cutShort('incidents');
    const scope = pd.serviceIds.length ? `service(s) ${pd.serviceIds.join(', ')}` : 'all services';
    if (incidents.length === 0) return { state: 'pass', summary: `0 triggered or acknowledged incidents on ${scope}` };
    const names = incidents
      .slice(0, 3)
      .map((i) => `#${jsonText(i['incident_number'], '?')} ${jsonText(i['title'])} (${jsonText(i['status'])})`);
    return { state: 'fail', summary: `${incidents.length} open incident(s): ${names.join('; ')}${incidents.length > 3 ? ' …' : ''}` };
  });
}

export interface OnCallEntry {
  level: number;
  /** null: since always */
  start: Date | null;
  /** null: forever */
  end: Date | null;
  who: string;
}

/**
 * The parts of [start, end) that no entry of `level` covers, merged. Coverage
 * is the union over every schedule: a primary on one schedule and another on
 * a second schedule cover the window together.
 */
export function coverageGaps(entries: OnCallEntry[], level: number, start: Date, end: Date): { start: Date; end: Date }[] {
  const spans = entries
    .filter((e) => e.level === level)
    .map((e) => ({
      from: Math.max(e.start?.getTime() ?? -Infinity, start.getTime()),
      to: Math.min(e.end?.getTime() ?? Infinity, end.getTime()),
    }))
    .filter((s) => s.to > s.from)
    .sort((a, b) => a.from - b.from);
  const gaps: { start: Date; end: Date }[] = [];
  let cursor = start.getTime();
  for (const span of spans) {
    if (span.from > cursor) gaps.push({ start: new Date(cursor), end: new Date(span.from) });
    cursor = Math.max(cursor, span.to);
  }
  if (cursor < end.getTime()) gaps.push({ start: new Date(cursor), end });
  return gaps;
}

function parseEntry(raw: Record<string, unknown>): OnCallEntry {
  const when = (v: unknown): Date | null => {
    if (v === null || v === undefined) return null;
    const d = new Date(jsonText(v));
    if (Number.isNaN(d.getTime())) throw new ProbeProblem('parse', `on-call entry with a bad date "${jsonText(v)}"`);
    return d;
  };
  const level = raw['escalation_level'];
  if (typeof level !== 'number') throw new ProbeProblem('parse', 'on-call entry without escalation_level');
  const user = raw['user'] as { summary?: unknown } | undefined;
  return { level, start: when(raw['start']), end: when(raw['end']), who: jsonText(user?.summary, '?') };
}

/** The coverage verdict for levels 1 and 2 over the window. */
export function onCallVerdict(entries: OnCallEntry[], start: Date, end: Date): LaunchObservation {
  const problems: string[] = [];
  for (const level of [1, 2]) {
    const gaps = coverageGaps(entries, level, start, end);
    const name = level === 1 ? 'primary (level 1)' : 'backup (level 2)';
    if (gaps.length)
      problems.push(
        `no ${name} ${gaps
          .slice(0, 2)
          .map((g) => `${g.start.toISOString()} → ${g.end.toISOString()}`)
          .join(', ')}${gaps.length > 2 ? ' …' : ''}`,
      );
  }
  if (problems.length) return { state: 'fail', summary: problems.join('; ') };
  const people = (level: number) => [...new Set(entries.filter((e) => e.level === level).map((e) => e.who))].join(', ');
  return {
    state: 'pass',
    summary: `levels 1 and 2 covered ${start.toISOString()} → ${end.toISOString()} (primary: ${people(1)}; backup: ${people(2)})`,
  };
}

/** T-72h: the union of PAGERDUTY_SCHEDULE_IDS has a level 1 and a level 2 at every instant of BETA_START…BETA_END. */
export function pagerdutyOnCallCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const pd = settings.pagerduty;
  if (!pd || pd.scheduleIds.length === 0)
    return Promise.resolve(notConfiguredCheck(PD_ONCALL_TITLE, 'PAGERDUTY_TOKEN and PAGERDUTY_SCHEDULE_IDS'));
  const window = settings.window;
  if (!window) return Promise.resolve(notConfiguredCheck(PD_ONCALL_TITLE, 'BETA_START and BETA_END'));
  return runLaunchCheck(PD_ONCALL_TITLE, { ...options, secrets: [pd.token] }, async (ctx) => {
    const url = new URL(`${pd.url}/oncalls`);
    for (const id of pd.scheduleIds) url.searchParams.append('schedule_ids[]', id);
    url.searchParams.set('since', window.start.toISOString());
    url.searchParams.set('until', window.end.toISOString());
    url.searchParams.set('earliest', 'false');
    const { items, truncated } = await listAll(ctx, pd, url, 'oncalls');
    const verdict = onCallVerdict(items.map(parseEntry), window.start, window.end);
    // Entries not read can only add coverage: a ✅ stands, a gap found in a cut listing may be covered.
    return verdict.state === 'fail' && truncated ? cutShort('on-call entries') : verdict;
  });
}
