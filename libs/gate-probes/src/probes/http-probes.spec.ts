import { problemText } from '@veza/invite-rules';
import { expect } from '@jest/globals';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  fetchHighIssues,
  highIssuesProbe,
  k6Probe,
  launchSettingsFromEnv,
  sentryProbe,
  statuspageProbe,
  syntheticProbe,
} from '../index.js';
import { k6RunsUrl } from './k6-probe.js';
import { gateApiHandlers, testGatesConfig, TEST_TOKENS, TEST_URLS } from '../testing.js';
import type { GateApiScenario } from '../testing.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testGatesConfig();
const now = new Date('2026-06-12T17:45:00.000Z');
const fast = { backoffMs: 5, timeoutMs: 2_000, now: () => now };
const given = (scenario: GateApiScenario) => server.use(...gateApiHandlers(scenario));

describe('statuspageProbe', () => {
  it('passes on indicator none with no incident', async () => {
    given({ statuspage: { indicator: 'none' } });
    const result = await statuspageProbe(config.statuspage!, fast);
    expect(result).toMatchObject({
      state: 'pass',
      summary: 'All Systems Operational',
      evidence: { value: 'none', source: 'https://status.veza.test/api/v2/summary.json' },
    });
  });

  it.each(['minor', 'major', 'critical'])('fails on indicator %s', async (indicator) => {
    given({ statuspage: { indicator } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'fail', evidence: { value: indicator } });
  });

  it('fails during maintenance when an incident is still open', async () => {
    given({ statuspage: { indicator: 'maintenance', incidents: [{ name: 'Uploads failing', status: 'investigating', impact: 'major' }] } });
    const result = await statuspageProbe(config.statuspage!, fast);
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 'maintenance, 1 incident(s)' } });
    expect(result.summary).toContain('Uploads failing (major, investigating)');
  });

  it('passes during maintenance with no incident, and ignores resolved ones', async () => {
    given({ statuspage: { indicator: 'maintenance', incidents: [{ name: 'Old', status: 'resolved', impact: 'minor' }] } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'pass', evidence: { value: 'maintenance' } });
  });

  it('fails during maintenance when a component is out with no incident (the beta window is one long maintenance)', async () => {
    const summary = (components: unknown[]) =>
      server.use(
        http.get(`${TEST_URLS.statuspage}/api/v2/summary.json`, () =>
          HttpResponse.json({
            status: { indicator: 'maintenance', description: 'Service Under Maintenance' },
            components,
            incidents: [],
            scheduled_maintenances: [{ id: 'm1', name: 'Veza beta', status: 'in_progress' }],
          }),
        ),
      );
    summary([
      { id: 'c1', name: 'Streaming', status: 'under_maintenance' },
      { id: 'c2', name: 'Uploads', status: 'major_outage' },
    ]);
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'fail',
      summary: 'Service Under Maintenance: Uploads (major_outage)',
      evidence: { value: 'maintenance, 1 component(s) down' },
    });
    summary([{ id: 'c1', name: 'Streaming', status: 'under_maintenance' }]);
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'pass', evidence: { value: 'maintenance' } });
    summary([{ id: 'c1', name: 'Streaming', status: 'on_fire' }]);
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });

  // Found by mutation testing: a summary without components, components that are no list, and the incidents'
  // links in the evidence were never checked.
  it('reads a summary without components as none down, ⚪ parse on components that are no list, and links each open incident', async () => {
    const summary = (extra: Record<string, unknown>) =>
      server.use(
        http.get(`${TEST_URLS.statuspage}/api/v2/summary.json`, () =>
          HttpResponse.json({ status: { indicator: 'none', description: 'All Systems Operational' }, incidents: [], ...extra }),
        ),
      );
    summary({});
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'pass', evidence: { value: 'none' } });
    summary({ components: { c1: 'operational' } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'parse',
      summary: 'summary.json has a components field that is not a list',
    });
    given({ statuspage: { indicator: 'minor', incidents: [{ name: 'Uploads slow', status: 'identified', impact: 'minor' }] } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'fail',
      evidence: {
        details: { incidents: [{ name: 'Uploads slow', status: 'identified', impact: 'minor', link: 'https://stspg.io/0' }] },
      },
    });
  });

  it('is ⚪ parse on an indicator it does not know', async () => {
    given({ statuspage: { indicator: 'purple' } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'parse',
      summary: 'unknown status indicator "purple"',
    });
  });

  it('is ⚪ config on 404 and ⚪ parse on malformed JSON', async () => {
    given({ statuspage: { fault: { status: 404 } } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'config',
      evidence: { httpStatus: 404 },
    });
    server.resetHandlers();
    given({ statuspage: { fault: { body: '<html>' } } });
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });
});

describe('syntheticProbe', () => {
  it("passes when every series is '1'", async () => {
    given({ prometheus: { values: ['1', '1'] } });
    const result = await syntheticProbe(config.synthetic!, fast);
    expect(result).toMatchObject({ state: 'pass', evidence: { value: 1, threshold: '= 1' } });
    expect(result.evidence.source).toBe('http://prometheus.test:9090/api/v1/query?query=min_over_time(probe_success[15m])&timeout=1s');
  });

  it("fails when a series is '0' and names it", async () => {
    given({ prometheus: { values: ['1', '0'] } });
    const result = await syntheticProbe(config.synthetic!, fast);
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 0 } });
    expect(result.summary).toContain('instance="parcours-2"');
  });

  it('is ⚪ no_data, never ✅, on an empty vector', async () => {
    given({ prometheus: { values: [] } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });

  it('is ⚪ no_data on NaN', async () => {
    given({ prometheus: { values: ['NaN'] } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      evidence: { value: 'NaN' },
    });
  });

  it('fails on a series at 0 whatever the other series say (NaN, +Inf, garbage): one broken parcours is 🔴, not ⚪', async () => {
    for (const other of ['NaN', '+Inf', 'up'])
      for (const values of [
        ['0', other],
        [other, '0'],
      ]) {
        server.resetHandlers();
        given({ prometheus: { values } });
        const result = await syntheticProbe(config.synthetic!, fast);
        expect(result).toMatchObject({ state: 'fail', evidence: { value: 0 } });
        expect(result.summary).toMatch(/^1 of 2 series below 1/);
      }
    server.resetHandlers();
    given({ prometheus: { values: ['1', '+Inf'] } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
    server.resetHandlers();
    given({ prometheus: { values: ['1', 'NaN'] } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });

  it('reads a scalar result', async () => {
    given({ prometheus: { body: { status: 'success', data: { resultType: 'scalar', result: [1781283600, '1'] } } } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'pass' });
  });

  it('is ⚪ config on a bad query (400 bad_data) and ⚪ parse on a matrix', async () => {
    given({ prometheus: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5' } } });
    const bad = await syntheticProbe(config.synthetic!, fast);
    expect(bad).toMatchObject({ state: 'unknown', reason: 'config', evidence: { httpStatus: 400 } });
    expect(bad.summary).toBe('Prometheus bad_data: parse error at char 5');
    server.resetHandlers();
    given({ prometheus: { body: { status: 'success', data: { resultType: 'matrix', result: [] } } } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });

  it('series at 1 in an answer with warnings (Thanos/Mimir "partial response") are ⚪ no_data, not ✅; a series at 0 stays 🔴', async () => {
    const answer = (values: string[], warnings?: string[]) => ({
      status: 'success',
      data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { instance: `parcours-${i + 1}` }, value: [1781283600, v] })) },
      ...(warnings ? { warnings } : {}),
    });
    const warning = 'partial response: store 10.0.0.3:10901 unavailable';
    given({ prometheus: { body: answer(['1'], [warning]) } });
    const partial = await syntheticProbe(config.synthetic!, fast);
    expect(partial).toMatchObject({ state: 'unknown', reason: 'no_data' });
    expect(partial.summary).toBe(`1 series at 1, but Prometheus warned that the answer may be partial: ${warning}`);
    server.resetHandlers();
    given({ prometheus: { body: answer(['1', '0'], [warning]) } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'fail', evidence: { value: 0 } });
    // the control cases: no warnings, or an empty list of them
    for (const warnings of [undefined, []]) {
      server.resetHandlers();
      given({ prometheus: { body: answer(['1'], warnings) } });
      expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'pass' });
    }
  });

  it('series at 1 with only info annotations in warnings (Prometheus before 2.54 sent them there) are ✅: nothing is missing', async () => {
    // a PROM_QUERY over a counter not named *_total, on the 2.53 LTS: every evaluation carries this, and the gate
    // was ⚪ for good, then 🔴 unknown_too_long, on a healthy launch
    const info = 'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "parcours_ok" (1:20)';
    given({
      prometheus: {
        body: {
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: { instance: 'parcours-1' }, value: [1781283600, '1'] }] },
          warnings: [info, 'PromQL info: input to histogram_quantile needed to be fixed for monotonicity'],
        },
      },
    });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'pass', summary: '1 series at 1' });
  });

  it('only "PromQL info:" entries are left out: a "PromQL warning:", 2.53\'s "N more annotations omitted" (a partial response may be the one cut) keep series at 1 ⚪; 3.x\'s own "infos" field is ✅', async () => {
    const answer = (extra: Record<string, unknown>) => ({
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { instance: 'parcours-1' }, value: [1781283600, '1'] }] },
      ...extra,
    });
    const info = 'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "parcours_ok" (1:20)';
    // before 2.54 at most 10 annotations, in map order, then this line: the ones cut may include a remote read failure
    for (const warnings of [
      [info, 'PromQL warning: encountered a mix of histograms and floats for metric name "parcours_ok" (1:20)'],
      [info, '3 more annotations omitted'],
    ]) {
      server.resetHandlers();
      given({ prometheus: { body: answer({ warnings }) } });
      expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
    }
    // 2.54 and later (3.x): info annotations in a field of their own, warnings absent
    server.resetHandlers();
    given({ prometheus: { body: answer({ infos: [info, '2 more info annotations omitted'] }) } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'pass', summary: '1 series at 1' });
  });

  it('series at 1 in a VictoriaMetrics cluster answer with "isPartial": true (a vmstorage node away, no warnings) are ⚪ no_data; a series at 0 stays 🔴', async () => {
    const answer = (values: string[], isPartial: boolean) => ({
      status: 'success',
      isPartial,
      data: { resultType: 'vector', result: values.map((v, i) => ({ metric: { instance: `parcours-${i + 1}` }, value: [1781283600, v] })) },
    });
    given({ prometheus: { body: answer(['1'], true) } });
    const partial = await syntheticProbe(config.synthetic!, fast);
    expect(partial).toMatchObject({ state: 'unknown', reason: 'no_data' });
    expect(partial.summary).toContain('isPartial: true');
    server.resetHandlers();
    given({ prometheus: { body: answer(['1', '0'], true) } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'fail' });
    // the control case: every vmstorage node answered (what a single-node VictoriaMetrics always says)
    server.resetHandlers();
    given({ prometheus: { body: answer(['1'], false) } });
    expect(await syntheticProbe(config.synthetic!, fast)).toMatchObject({ state: 'pass' });
  });

  it('retries a 503 (Prometheus query timeout), then is ⚪ unavailable', async () => {
    given({ prometheus: { status: 503, body: { status: 'error', errorType: 'timeout', error: 'query timed out' } } });
    const result = await syntheticProbe(config.synthetic!, { ...fast, retries: 1 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'unavailable', evidence: { attempts: 2, httpStatus: 503 } });
  });
});

describe('k6Probe', () => {
  it('passes when the last green scheduled run is recent', async () => {
    given({ k6: { lastGreenHoursAgo: 6.5, now } });
    const result = await k6Probe(config.k6!, fast);
    expect(result).toMatchObject({
      state: 'pass',
      evidence: { value: 6.5, threshold: '≤ 30 h', details: { runUrl: 'https://github.com/veza/app/actions/runs/9001' } },
    });
    expect(result.evidence.source).toBe(
      'https://api.github.test/repos/veza/app/actions/workflows/k6-nightly.yml/runs?status=completed&branch=main&event=schedule&per_page=1',
    );
  });

  it('fails when the last green run is older than the maximum age', async () => {
    given({ k6: { lastGreenHoursAgo: 31, now } });
    const result = await k6Probe(config.k6!, fast);
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 31 } });
    expect(result.summary).toBe('last green nightly finished 31 h ago (max 30 h)');
  });

  it('fails when there is no green run at all', async () => {
    given({ k6: { lastGreenHoursAgo: null, now } });
    expect(await k6Probe(config.k6!, fast)).toMatchObject({ state: 'fail', evidence: { value: null } });
  });

  it('is ⚪ config when the workflow does not exist (404)', async () => {
    given({ k6: { workflowExists: false } });
    const result = await k6Probe(config.k6!, fast);
    expect(result).toMatchObject({ state: 'unknown', reason: 'config', evidence: { httpStatus: 404 } });
    expect(result.summary).toContain('workflow k6-nightly.yml not found in veza/app');
  });

  it('is ⚪ auth on bad credentials', async () => {
    given({ k6: {} });
    expect(await k6Probe({ ...config.k6!, token: 'ghp_wrong' }, fast)).toMatchObject({ state: 'unknown', reason: 'auth' });
  });
});

describe('highIssuesProbe', () => {
  it('passes with no open HIGH issue, pull requests excluded', async () => {
    given({ highIssues: { issues: 0, pullRequests: 4 } });
    expect(await highIssuesProbe(config.highIssues!, fast)).toMatchObject({ state: 'pass', evidence: { value: 0 } });
  });

  it('is ⚪ config for a label the repository does not have (GitHub lists nothing for it), ✅ once it exists', async () => {
    given({ highIssues: { issues: 0, labels: ['bug', 'severity: high'] } });
    const typo = await highIssuesProbe({ ...config.highIssues!, label: 'Severity:High' }, fast);
    expect(typo).toMatchObject({
      state: 'unknown',
      reason: 'config',
      summary: expect.stringContaining('label "Severity:High" does not exist in veza/app'),
      evidence: { source: expect.stringContaining('/repos/veza/app/labels/') },
    });
    expect(JSON.stringify(typo)).not.toContain(TEST_TOKENS.github);
    // GitHub matches label names case-insensitively; an existing one with no issue is a real 0.
    expect(await highIssuesProbe({ ...config.highIssues!, label: 'SEVERITY: HIGH' }, fast)).toMatchObject({ state: 'pass' });
    // Commas are GitHub's AND of labels: each one must exist.
    expect(await highIssuesProbe({ ...config.highIssues!, label: 'bug,p0' }, fast)).toMatchObject({
      state: 'unknown',
      summary: expect.stringContaining('label "p0" does not exist'),
    });
  });

  it('⚪, not ✅, when the pages run out (10) with more remaining and the count so far under the maximum', async () => {
    given({ highIssues: { issues: 25, pageSize: 2 } });
    expect(await highIssuesProbe({ ...config.highIssues!, max: 30 }, fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('20+ open "severity: high" issue(s): listing cut'),
      evidence: { value: 20, details: { truncated: true } },
    });
    expect(await highIssuesProbe({ ...config.highIssues!, max: 5 }, fast)).toMatchObject({ state: 'fail' });
  });

  it('counts across pages by following Link rel=next', async () => {
    given({ highIssues: { issues: 5, pullRequests: 2, pageSize: 3 } });
    const result = await highIssuesProbe(config.highIssues!, fast);
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 5, attempts: 3, details: { truncated: false } } });
    expect(result.summary).toContain('#100 Crash on upload 1');
  });

  it('sends the label and the GitHub headers', async () => {
    const seen: Request[] = [];
    given({ highIssues: { issues: 0 } });
    server.events.on('request:start', ({ request }) => void seen.push(request));
    await highIssuesProbe({ ...config.highIssues!, label: 'severity: high' }, fast);
    server.events.removeAllListeners();
    expect(new URL(seen[0]!.url).searchParams.get('labels')).toBe('severity: high');
    expect(seen[0]!.headers.get('x-github-api-version')).toBe('2022-11-28');
    expect(seen[0]!.headers.get('authorization')).toBe(`Bearer ${TEST_TOKENS.github}`);
  });

  it('retries a 429 with Retry-After then counts', async () => {
    given({ highIssues: { issues: 1, fault: { status: 429, times: 1, retryAfter: '0' } } });
    expect(await highIssuesProbe({ ...config.highIssues!, max: 1 }, fast)).toMatchObject({
      state: 'pass',
      evidence: { value: 1, attempts: 2 },
    });
  });

  it('is ⚪ rate_limited when the limit lasts', async () => {
    given({ highIssues: { fault: { status: 429, retryAfter: '0' } } });
    expect(await highIssuesProbe(config.highIssues!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'rate_limited',
      evidence: { attempts: 3 },
    });
  });
});

// Answers a real API would not give but a wrong server, a proxy or a broken deployment can: none of
// them may turn a gate green, hang past its deadline or bring a token into a report.
const run = (extra: Record<string, unknown>) => ({
  id: 7,
  status: 'completed',
  conclusion: 'success',
  updated_at: '2026-06-12T10:00:00Z',
  html_url: 'https://github.test/veza/app/actions/runs/7',
  ...extra,
});
const k6Answers = (runs: unknown[]) =>
  server.use(http.get(k6RunsUrl(config.k6!).split('?')[0]!, () => HttpResponse.json({ total_count: runs.length, workflow_runs: runs })));

describe('the k6 gate trusts no run it cannot vouch for', () => {
  it('passes on a green run of the last hours (the control case)', async () => {
    k6Answers([run({})]);
    expect(await k6Probe(config.k6!, fast)).toMatchObject({ state: 'pass', evidence: { value: 7.8 } });
  });

  it.each([
    ['a run still in progress', { status: 'in_progress', conclusion: null }, 'not completed (status in_progress, conclusion none)'],
    ['a completed run without a conclusion', { conclusion: null }, 'not completed (status completed, conclusion none)'],
    [
      'a run in progress that names a conclusion',
      { status: 'in_progress', conclusion: 'success' },
      'not completed (status in_progress, conclusion success)',
    ],
    ['a run finished in the future', { updated_at: '2099-01-01T00:00:00Z' }, 'in the future'],
    ['a number for a date', { updated_at: 12345 }, 'no valid updated_at'],
    ['a date without a zone', { updated_at: '2026-06-12 10:00' }, 'no valid updated_at'],
  ])('is ⚪ parse on %s', async (_what, extra, words) => {
    k6Answers([run(extra)]);
    const result = await k6Probe(config.k6!, fast);
    expect(result).toMatchObject({ state: 'unknown', reason: 'parse' });
    expect(result.summary).toContain(words);
  });
});

// Found by mutation testing: the age was rounded to a tenth of an hour before the comparison.
describe('the k6 gate judges the age limit on the exact age (now is 17:45 UTC, 7.75 h after the control run)', () => {
  it.each([
    ['exactly at the 30 h limit', '2026-06-11T11:45:00Z', 'pass', 30],
    ['2 minutes past it (30.03 h, rounded to 30.0 it passed)', '2026-06-11T11:43:00Z', 'fail', 30.1],
    ['2 minutes inside it', '2026-06-11T11:47:00Z', 'pass', 30],
  ])('a green run %s', async (_what, updatedAt, state, shown) => {
    k6Answers([run({ updated_at: updatedAt })]);
    const result = await k6Probe(config.k6!, fast);
    expect(result).toMatchObject({ state, evidence: { value: shown } });
    if (state === 'fail') expect(result.summary).toBe('last green nightly finished 30.1 h ago (max 30 h)');
  });
});

describe('the k6 gate reads the most recent nightly, green or not', () => {
  it.each(['failure', 'cancelled', 'timed_out'])(
    'fails when the most recent completed nightly is %s, whatever green run came before',
    async (conclusion) => {
      // what GitHub answers to status=completed: the newest completed run first (last night's), per_page=1
      k6Answers([run({ conclusion, html_url: 'https://github.test/veza/app/actions/runs/8' })]);
      expect(await k6Probe(config.k6!, fast)).toMatchObject({
        state: 'fail',
        summary: `the most recent nightly, 7.8 h ago, is not green (conclusion ${conclusion}): https://github.test/veza/app/actions/runs/8`,
      });
    },
  );

  it('asks GitHub for the newest completed run, not the newest green one', async () => {
    let asked = '';
    server.use(
      http.get(k6RunsUrl(config.k6!).split('?')[0]!, ({ request }) => {
        asked = new URL(request.url).searchParams.get('status') ?? '';
        return HttpResponse.json({ total_count: 1, workflow_runs: [run({})] });
      }),
    );
    await k6Probe(config.k6!, fast);
    expect(asked).toBe('completed');
  });
});

describe('answers that are not answers', () => {
  it('a 3xx without Location is ⚪, whether or not the request carries a token', async () => {
    server.use(
      http.get(`${TEST_URLS.statuspage}/api/v2/summary.json`, () =>
        HttpResponse.json({ status: { indicator: 'none' }, incidents: [] }, { status: 302 }),
      ),
      http.get(k6RunsUrl(config.k6!).split('?')[0]!, () => HttpResponse.json({ workflow_runs: [run({})] }, { status: 302 })),
    );
    for (const result of [await statuspageProbe(config.statuspage!, fast), await k6Probe(config.k6!, fast)]) {
      expect(result).toMatchObject({ state: 'unknown', reason: 'unavailable', summary: 'HTTP 302 without a Location: not an answer' });
    }
  });

  it('a body that never ends is ⚪ parse once 16 MiB are read, long before the deadline', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    server.use(
      http.get(
        `${TEST_URLS.statuspage}/api/v2/summary.json`,
        () =>
          new HttpResponse(
            new ReadableStream({
              pull: (controller) => controller.enqueue(chunk),
            }),
            { headers: { 'content-type': 'application/json' } },
          ),
      ),
    );
    // reason parse, not timeout: the read stopped at the cap, not at the 60 s deadline
    const result = await statuspageProbe(config.statuspage!, { ...fast, timeoutMs: 60_000 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'parse', summary: 'HTTP 200 with a body over 16 MiB: not read' });
  });

  it('a list of incidents holding null is ⚪ parse, not a crash report', async () => {
    server.use(
      http.get(`${TEST_URLS.statuspage}/api/v2/summary.json`, () =>
        HttpResponse.json({ status: { indicator: 'none' }, incidents: [null] }),
      ),
    );
    expect(await statuspageProbe(config.statuspage!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'parse',
      summary: 'summary.json lists an incident that is not an object',
    });
  });

  it.each([
    ['', 'answered "", not a number'],
    ['Infinity', 'answered "Infinity", not a number'],
    ['+Inf', 'is +Inf: not a value the gate can judge'],
    ['0x1', 'answered "0x1", not a number'],
    // a number too large for a double: Number() reads it as Infinity, which passed as ✅ with a value JSON writes as null
    ['1e400', 'answered "1e400", a number too large to judge'],
    ['-1e400', 'answered "-1e400", a number too large to judge'],
  ])('a Prometheus sample "%s" is ⚪ parse, never read as 0 or as a pass', async (value, words) => {
    server.use(
      http.get(`${TEST_URLS.prometheus}/api/v1/query`, () =>
        HttpResponse.json({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, value] }] } }),
      ),
    );
    const result = await syntheticProbe(config.synthetic!, fast);
    expect(result).toMatchObject({ state: 'unknown', reason: 'parse' });
    expect(result.summary).toContain(words);
  });

  it.each([
    ['Sentry', 'sentry', () => sentryProbe(config.sentry!, fast), 'the issues API listed an item that is not an object'],
    ['GitHub issues', 'github', () => highIssuesProbe(config.highIssues!, fast), 'the issues API listed an item that is not an object'],
  ] as const)('%s: a list holding null is ⚪ parse, not a JavaScript error (reason unavailable)', async (_, api, probe, words) => {
    server.use(http.get(`${TEST_URLS[api]}/*`, () => HttpResponse.json([{ shortId: 'APP-1', title: 'a', number: 1 }, null])));
    expect(await probe()).toMatchObject({ state: 'unknown', reason: 'parse', summary: words });
  });

  it('k6: a runs list holding null first is ⚪ parse, not 🔴 "no completed run"', async () => {
    server.use(http.get(`${TEST_URLS.github}/*`, () => HttpResponse.json({ total_count: 1, workflow_runs: [null] })));
    expect(await k6Probe(config.k6!, fast)).toMatchObject({
      state: 'unknown',
      reason: 'parse',
      summary: 'the runs API listed a run that is not an object',
    });
  });

  it('Sentry: an X-Hits lower than the issues listed counts the issues listed', async () => {
    server.use(
      http.get(`${TEST_URLS.sentry}/api/0/organizations/:org/issues/`, () =>
        HttpResponse.json(
          [
            { shortId: 'APP-1', title: 'a' },
            { shortId: 'APP-2', title: 'b' },
          ],
          { headers: { 'x-hits': '0' } },
        ),
      ),
    );
    expect(await sentryProbe({ ...config.sentry!, max: 1 }, fast)).toMatchObject({ state: 'fail', evidence: { value: 2 } });
  });
});

describe('text from an API', () => {
  it('the decision report gets the HIGH issues with the token scrubbed, whatever the API echoes', async () => {
    const token = TEST_TOKENS.github;
    server.use(
      http.get(`${TEST_URLS.github}/repos/veza/app/issues`, () =>
        HttpResponse.json([
          {
            number: 8,
            title: `token is ${token}\u001b]0;PWNED\u0007`,
            created_at: '2026-06-12T10:00:00Z',
            assignees: [],
            comments: 0,
            html_url: `https://github.test/x?t=${encodeURIComponent(token)}`,
          },
        ]),
      ),
    );
    const parsed = launchSettingsFromEnv({ GITHUB_API_URL: TEST_URLS.github, GITHUB_REPO: 'veza/app', GITHUB_TOKEN: token });
    if (!parsed.ok) throw new Error(parsed.problems.map(problemText).join('; '));
    const answer = await fetchHighIssues(parsed.value, fast);
    if (!answer.ok) throw new Error(answer.why);
    expect(answer.issues).toEqual([
      expect.objectContaining({ number: 8, title: 'token is *** ]0;PWNED ', url: 'https://github.test/x?t=***' }),
    ]);
    expect(JSON.stringify(answer)).not.toContain(token);
  });
});
