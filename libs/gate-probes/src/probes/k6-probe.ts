import type { K6Config } from '../config.js';
import { objectItems, ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import type { GateResult } from '../types.js';
import { githubHeaders } from './github-headers.js';
import { isoTime, jsonText } from '../json-text.js';

/** A run may look a little in the future when GitHub's clock and ours differ; more than this is not a clock difference. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

interface WorkflowRun {
  id?: unknown;
  updated_at?: unknown;
  created_at?: unknown;
  html_url?: unknown;
  head_sha?: unknown;
  conclusion?: unknown;
  status?: unknown;
}

interface RunsPage {
  total_count?: unknown;
  workflow_runs?: WorkflowRun[];
}

/**
 * The most recent completed scheduled run of the workflow on the branch, green
 * or not: the checklist asks that the most recent nightly be green. Asking for
 * green runs only (status=success) skipped a red one: last night's failure
 * passed on the night before's success, 29 h old.
 */
export function k6RunsUrl(config: K6Config): string {
  const url = new URL(`${config.apiUrl}/repos/${config.repo}/actions/workflows/${encodeURIComponent(config.workflow)}/runs`);
  for (const [k, v] of Object.entries({ status: 'completed', branch: config.branch, event: 'schedule', per_page: '1' }))
    url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Gate 5: the most recent completed scheduled run of the k6 workflow on main
 * is green, and its age. Age is counted from `updated_at` (≈ when the run
 * completed). A most recent run that is not green (failure, cancelled, timed
 * out …) is 🔴 naming it; no completed run at all is 🔴; an unknown workflow
 * (404) is ⚪ config.
 */
export function k6Probe(config: K6Config, options: ProbeOptions = {}): Promise<GateResult> {
  return runProbe('k6', `≤ ${config.maxAgeHours} h`, options, async (ctx) => {
    const { body } = await requestJson(ctx, k6RunsUrl(config), {
      headers: githubHeaders(config),
      origin: new URL(config.apiUrl).origin,
      originSetting: 'GITHUB_API_URL',
      notFound: `HTTP 404: workflow ${config.workflow} not found in ${config.repo} (or the token cannot see the repository)`,
    });
    const page = body as RunsPage;
    if (!Array.isArray(page?.workflow_runs)) throw new ProbeProblem('parse', 'the runs API answered without workflow_runs');
    const run = objectItems<WorkflowRun>(page.workflow_runs.slice(0, 1), 'the runs API listed a run')[0];
    if (!run) return { state: 'fail', value: null, summary: `no completed scheduled run of ${config.workflow} on ${config.branch}` };
    // The query asks for completed runs only; a run that says otherwise means the filter was not applied, so nothing is known.
    if ((run.status !== undefined && run.status !== 'completed') || typeof run.conclusion !== 'string')
      throw new ProbeProblem(
        'parse',
        `the runs API answered a run that is not completed (status ${jsonText(run.status, 'none').slice(0, 40)}, conclusion ${jsonText(run.conclusion, 'none').slice(0, 40)}) to a status=completed query`,
      );
    const finished = isoTime(run.updated_at ?? run.created_at);
    if (finished === null) throw new ProbeProblem('parse', 'the last run has no valid updated_at (an ISO 8601 time)');
    const ageMs = ctx.now().getTime() - finished;
    if (ageMs < -FUTURE_TOLERANCE_MS)
      throw new ProbeProblem('parse', `the last run finished ${new Date(finished).toISOString()}, in the future (a clock is wrong)`);
    // The limit is judged on the exact age; the tenth of an hour shown is rounded up past it, so a run 30 h 2 min
    // old is not shown as "30 h ago" beside "max 30 h" (rounded first, it passed a 30 h limit).
    const tooOld = ageMs > config.maxAgeHours * 3_600_000;
    const tenths = (Math.max(0, ageMs) / 3_600_000) * 10;
    const ageHours = (tooOld ? Math.ceil(tenths) : Math.round(tenths)) / 10;
    const details = {
      runId: run.id ?? null,
      runUrl: typeof run.html_url === 'string' ? run.html_url : null,
      finishedAt: new Date(finished).toISOString(),
      headSha: run.head_sha ?? null,
    };
    if (run.conclusion !== 'success')
      return {
        state: 'fail',
        value: ageHours,
        summary: `the most recent nightly, ${ageHours} h ago, is not green (conclusion ${jsonText(run.conclusion).slice(0, 40)})${details.runUrl ? `: ${details.runUrl}` : ''}`,
        details,
      };
    if (tooOld)
      return {
        state: 'fail',
        value: ageHours,
        summary: `last green nightly finished ${ageHours} h ago (max ${config.maxAgeHours} h)`,
        details,
      };
    return { state: 'pass', value: ageHours, summary: `last green nightly finished ${ageHours} h ago`, details };
  });
}
