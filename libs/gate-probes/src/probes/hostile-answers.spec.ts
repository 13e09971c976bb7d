/**
 * Answers a real API would not give but a wrong server, a proxy or a broken
 * deployment can: none of them may turn a gate green, hang past its deadline
 * or bring a token into a report.
 */
import { problemText } from '@veza/invite-rules';
import { expect } from '@jest/globals';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { fetchHighIssues, k6Probe, launchSettingsFromEnv, sentryProbe, statuspageProbe, syntheticProbe } from '../index.js';
import { k6RunsUrl } from './k6-probe.js';
import { testGatesConfig, TEST_TOKENS, TEST_URLS } from '../testing.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testGatesConfig();
const now = new Date('2026-06-12T17:45:00.000Z');
const fast = { backoffMs: 5, timeoutMs: 2_000, now: () => now };
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
    ['a failed run', { conclusion: 'failure' }, 'not green (conclusion failure, status completed)'],
    ['a run still in progress', { status: 'in_progress', conclusion: null }, 'not green (conclusion none, status in_progress)'],
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
