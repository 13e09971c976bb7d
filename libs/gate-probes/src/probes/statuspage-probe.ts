import type { StatuspageConfig } from '../config.js';
import { ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import type { GateResult } from '../types.js';
import { jsonText } from '../json-text.js';

const INDICATORS = ['none', 'minor', 'major', 'critical', 'maintenance'] as const;
type Indicator = (typeof INDICATORS)[number];

interface Summary {
  status?: { indicator?: unknown; description?: unknown };
  incidents?: { name?: unknown; status?: unknown; impact?: unknown; shortlink?: unknown }[];
}

/**
 * Gate 3: the Statuspage summary (status.json's indicator plus the unresolved
 * incidents, in one request). ✅ needs indicator `none` or `maintenance` and
 * no unresolved incident: a maintenance window can hide an open incident, so
 * incidents are checked whatever the indicator says. An indicator this code
 * does not know is ⚪ parse, never ✅.
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
    const description = typeof summary.status?.description === 'string' ? summary.status.description : indicator;
    const details = { indicator, description, incidents };
    const value = `${indicator}${incidents.length ? `, ${incidents.length} incident(s)` : ''}`;
    const bad: Indicator[] = ['minor', 'major', 'critical'];
    if (bad.includes(indicator as Indicator) || incidents.length > 0) {
      const names = incidents.map((i) => `${i.name} (${i.impact}, ${i.status})`).join('; ');
      return { state: 'fail', value, summary: `${description}${names ? `: ${names}` : ''}`, details };
    }
    return { state: 'pass', value, summary: description, details };
  });
}
