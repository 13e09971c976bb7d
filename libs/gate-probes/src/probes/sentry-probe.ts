import type { SentryConfig } from '../config.js';
import { objectItems, ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { nextPageUrl, requestJson } from '../request-json.js';
import type { JsonResponse } from '../request-json.js';
import type { GateResult } from '../types.js';
import { jsonText } from '../json-text.js';

/** Pages followed when Sentry sends no X-Hits: 10 × 100 issues is far past any threshold worth a decision call. */
const MAX_PAGES = 10;

interface SentryIssue {
  shortId?: unknown;
  title?: unknown;
  permalink?: unknown;
  level?: unknown;
  count?: unknown;
}

/** The organisation issues URL for a query, a window and optional projects. */
export function sentryIssuesUrl(config: SentryConfig): string {
  const url = new URL(`${config.baseUrl}/api/0/organizations/${encodeURIComponent(config.org)}/issues/`);
  url.searchParams.set('query', config.query);
  url.searchParams.set('statsPeriod', config.period);
  url.searchParams.set('limit', '100');
  // Without `project` Sentry searches only the projects of the token owner's teams (an empty list for a
  // member of no team owning the app, which read as 0 issues, ✅); -1 is its "every project I can access".
  for (const project of config.projects.length ? config.projects : ['-1']) url.searchParams.append('project', project);
  return url.toString();
}

/** Gate 2: unresolved high-priority Sentry issues in the window, at most `max`. */
export function sentryProbe(config: SentryConfig, options: ProbeOptions = {}): Promise<GateResult> {
  return runProbe('sentry', `≤ ${config.max}`, options, async (ctx) => {
    const headers = { Authorization: `Bearer ${config.token}`, Accept: 'application/json' };
    // The token goes to SENTRY_URL's origin only: pages and redirects elsewhere are refused.
    const scope = { origin: new URL(config.baseUrl).origin, originSetting: 'SENTRY_URL' };
    let url: string | null = sentryIssuesUrl(config);
    let listed = 0;
    let hits: number | null = null;
    let pages = 0;
    const top: { shortId: string; title: string; permalink: string | null }[] = [];
    while (url && pages < MAX_PAGES) {
      const page: JsonResponse = await requestJson(ctx, url, {
        headers,
        ...scope,
        notFound: `HTTP 404: organisation "${config.org}" not found on ${config.baseUrl}`,
      });
      pages++;
      if (!Array.isArray(page.body)) throw new ProbeProblem('parse', 'the issues API did not answer a list');
      const issues = objectItems<SentryIssue>(page.body, 'the issues API listed an item');
      listed += issues.length;
      for (const issue of issues.slice(0, Math.max(0, 5 - top.length))) {
        top.push({
          shortId: jsonText(issue.shortId),
          title: jsonText(issue.title),
          permalink: typeof issue.permalink === 'string' ? issue.permalink : null,
        });
      }
      const xHits = page.headers.get('x-hits')?.trim() ?? '';
      const counted = /^\d+$/.test(xHits);
      // Sentry answers a search over no project (the token sees none) with a bare [] and no Link: not "0 issues".
      // A search has both Link and X-Hits: either one says it ran (a proxy may drop Link, a CDN rewrites headers).
      if (pages === 1 && issues.length === 0 && page.headers.get('link') === null && !counted)
        throw new ProbeProblem(
          'config',
          `Sentry searched no project: SENTRY_AUTH_TOKEN can access none of organisation "${config.org}"'s projects (add its owner to the app's team, or use an internal integration token with event:read)`,
        );
      // X-Hits is the total across pages: one request is enough.
      if (pages === 1 && counted) {
        hits = Number(xHits);
        break;
      }
      url = nextPageUrl(page.headers, url, scope);
    }
    // The evidence links to the query, not to whichever page came last.
    ctx.setSource(sentryIssuesUrl(config));
    const truncated = hits === null && url !== null;
    // X-Hits may be an estimate: it never counts fewer issues than the answer itself listed.
    const count = Math.max(hits ?? 0, listed);
    const details = { query: config.query, period: config.period, counted: hits === null ? 'pages' : 'x-hits', truncated, issues: top };
    const where = `${config.query} over ${config.period}`;
    if (count > config.max)
      return {
        state: 'fail',
        value: count,
        summary: `${count}${truncated ? '+' : ''} issue(s) match "${where}" (max ${config.max})`,
        details,
      };
    // Issues not read may be over the threshold: a cut listing under it is not a pass.
    if (truncated)
      return {
        state: 'unknown',
        reason: 'no_data',
        value: count,
        summary: `${count}+ issue(s) match "${where}": listing cut after ${MAX_PAGES} pages, more remain (max ${config.max})`,
        details,
      };
    return { state: 'pass', value: count, summary: `${count} issue(s) match "${where}"`, details };
  });
}
