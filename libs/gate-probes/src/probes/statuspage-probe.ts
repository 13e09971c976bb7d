import type { StatuspageConfig } from '../config.js';
import { ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import type { GateResult } from '../types.js';
import { jsonText } from '../json-text.js';

const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
type Indicator = (typeof INDICATORS)[number];

const COMPONENT_OK = ['operational', 'under_maintenance'];
const COMPONENT_DOWN = ['degraded_performance', 'partial_outage', 'major_outage'];

interface Summary {
  status?: { indicator?: unknown; description?: unknown };
  incidents?: { name?: unknown; status?: unknown; impact?: unknown; shortlink?: unknown }[];
  components?: unknown;
}

/** The components summary.json says are not working (degraded or out), named with their status; ⚪ parse on a status this code does not know. */
function componentsDown(components: unknown): string[] {
  if (components === undefined) return [];
  if (!Array.isArray(components)) throw new ProbeProblem('parse', 'summary.json has a components field that is not a list');
  const down: string[] = [];
  for (const c of components as unknown[]) {
    const status = (c as { status?: unknown } | null)?.status;
    if (typeof status !== 'string' || ![...COMPONENT_OK, ...COMPONENT_DOWN].includes(status))
      throw new ProbeProblem('parse', `a component has an unknown status "${jsonText(status).slice(0, 40)}"`);
    if (COMPONENT_DOWN.includes(status)) down.push(`${jsonText((c as { name?: unknown }).name)} (${status})`);
  }
  return down;
}

/**
 * Gate 3: the Statuspage summary (status.json's indicator plus the unresolved
 * incidents, in one request). ✅ needs indicator `none` or `maintenance` and
 * no unresolved incident: a maintenance window can hide an open incident, so
 * incidents and components (degraded or out: 🔴) are checked whatever the
 * indicator says. An indicator or a component status this code does not know
 * is ⚪ parse, never ✅.
 */
export function statuspageProbe(config: StatuspageConfig, options: ProbeOptions = {}): Promise<GateResult> {
  return runProbe('statuspage', 'indicator none, 0 open incidents', options, async (ctx) => {
    const { body } = await requestJson(ctx, `${config.url}/api/v2/summary.json`, { notFound: 'HTTP 404: no Statuspage at STATUSPAGE_URL' });
    const summary = body as Summary;
    const indicator = summary?.status?.indicator;
    if (typeof indicator !== 'string' || !Array.isArray(summary.incidents))
      throw new ProbeProblem('parse', 'summary.json has no status.indicator or incidents list');
    if (!(INDICATORS as readonly string[]).includes(indicator))
      throw new ProbeProblem('parse', `unknown status indicator "${jsonText(indicator).slice(0, 40)}"`);
    if (summary.incidents.some((i) => typeof i !== 'object' || i === null || Array.isArray(i)))
      throw new ProbeProblem('parse', 'summary.json lists an incident that is not an object');
    const incidents = summary.incidents
      .filter((i) => i.status !== 'resolved' && i.status !== 'postmortem')
      .map((i) => ({
        name: jsonText(i.name),
        status: jsonText(i.status),
        impact: jsonText(i.impact),
        link: typeof i.shortlink === 'string' ? i.shortlink : null,
      }));
    // Components too: the beta's own maintenance window (checklist item 18) keeps the indicator at "maintenance"
    // for the whole beta, and a component marked out without an incident then passed as ✅.
    const down = componentsDown(summary.components);
    const description = typeof summary.status?.description === 'string' ? summary.status.description : indicator;
    const details = { indicator, description, incidents, componentsDown: down };
    const value = `${indicator}${incidents.length ? `, ${incidents.length} incident(s)` : ''}${down.length ? `, ${down.length} component(s) down` : ''}`;
    const bad: Indicator[] = ['minor', 'major', 'critical'];
    if (bad.includes(indicator as Indicator) || incidents.length > 0 || down.length > 0) {
      const names = [...incidents.map((i) => `${i.name} (${i.impact}, ${i.status})`), ...down].join('; ');
      return { state: 'fail', value, summary: `${description}${names ? `: ${names}` : ''}`, details };
    }
    return { state: 'pass', value, summary: description, details };
  });
}
