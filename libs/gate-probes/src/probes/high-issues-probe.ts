import type { HighIssuesConfig } from '../config.js';
import { objectItems, ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { nextPageUrl, requestJson } from '../request-json.js';
import type { JsonResponse } from '../request-json.js';
import type { GateResult } from '../types.js';
import { githubHeaders } from './github-headers.js';
import { assertLabelsExist } from './github-label.js';
import { jsonText } from '../json-text.js';

/** Pages followed: 10 × 100 open HIGH issues is already a clear 🔴. */
const MAX_PAGES = 10;

export function highIssuesUrl(config: HighIssuesConfig): string {
  const url = new URL(`${config.apiUrl}/repos/${config.repo}/issues`);
  for (const [k, v] of Object.entries({ state: 'open', labels: config.label, per_page: '100' })) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Gate 6: open issues carrying the severity label, at most `max`. The issues
 * API lists pull requests too: items with `pull_request` are dropped.
 */
export function highIssuesProbe(config: HighIssuesConfig, options: ProbeOptions = {}): Promise<GateResult> {
  return runProbe('high_issues', `≤ ${config.max}`, options, async (ctx) => {
    let url: string | null = highIssuesUrl(config);
    // The token goes to GITHUB_API_URL's origin only: pages and redirects elsewhere are refused.
    const scope = { origin: new URL(config.apiUrl).origin, originSetting: 'GITHUB_API_URL' };
    const issues: { number: number; title: string; url: string | null }[] = [];
    let pages = 0;
    let listed = 0;
    while (url && pages < MAX_PAGES) {
      const page: JsonResponse = await requestJson(ctx, url, {
        headers: githubHeaders(config),
        ...scope,
        notFound: `HTTP 404: repository ${config.repo} not found (or the token cannot see it)`,
      });
      pages++;
      if (!Array.isArray(page.body)) throw new ProbeProblem('parse', 'the issues API did not answer a list');
      listed += page.body.length;
      for (const item of objectItems<{ number?: unknown; title?: unknown; html_url?: unknown; pull_request?: unknown }>(
        page.body,
        'the issues API listed an item',
      )) {
        if (item.pull_request !== undefined) continue;
        issues.push({
          number: Number(item.number),
          title: jsonText(item.title),
          url: typeof item.html_url === 'string' ? item.html_url : null,
        });
      }
      url = nextPageUrl(page.headers, url, scope);
    }
    // An empty list is also GitHub's answer for a label the repository does not have.
    if (listed === 0) await assertLabelsExist(ctx, config, config.label, scope);
    ctx.setSource(highIssuesUrl(config));
    const truncated = url !== null;
    const details = { label: config.label, truncated, issues: issues.slice(0, 10) };
    const count = issues.length;
    const plus = truncated ? '+' : '';
    if (count > config.max) {
      const list = issues
        .slice(0, 3)
        .map((i) => `#${i.number} ${i.title}`)
        .join('; ');
      return {
        state: 'fail',
        value: count,
        summary: `${count}${plus} open "${config.label}" issue(s): ${list}${count > 3 ? ' …' : ''}`,
        details,
      };
    }
    // Issues not read may be over the threshold: a cut listing under it is not a pass.
    if (truncated)
      return {
        state: 'unknown',
        reason: 'no_data',
        value: count,
        summary: `${count}+ open "${config.label}" issue(s): listing cut after ${MAX_PAGES} pages, more remain (max ${config.max})`,
        details,
      };
    return { state: 'pass', value: count, summary: `${count} open "${config.label}" issue(s)`, details };
  });
}
