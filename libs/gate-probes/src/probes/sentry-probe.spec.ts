import { expect } from '@jest/globals';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { sentryProbe } from '../index.js';
import { gateApiHandlers, testGatesConfig, TEST_TOKENS, TEST_URLS } from '../testing.js';
import type { GateApiScenario } from '../testing.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testGatesConfig().sentry!;
const fast = { backoffMs: 5, timeoutMs: 2_000 };
function given(scenario: GateApiScenario) {
  server.use(...gateApiHandlers(scenario));
}

describe('sentryProbe', () => {
  it('passes with no matching issue, and shows the query URL without the token', async () => {
    given({ sentry: { issues: 0 } });
    const result = await sentryProbe(config, fast);
    expect(result).toMatchObject({ state: 'pass', reason: null, evidence: { value: 0, threshold: '≤ 0', httpStatus: 200, attempts: 1 } });
    expect(result.evidence.source).toBe(
      'https://sentry.test/api/0/organizations/veza/issues/?query=is:unresolved+issue.priority:high&statsPeriod=24h&limit=100&project=-1',
    );
    expect(JSON.stringify(result)).not.toContain(TEST_TOKENS.sentry);
  });

  it('fails above the maximum, counting from X-Hits in one request', async () => {
    given({ sentry: { issues: 250, pageSize: 100 } });
    const result = await sentryProbe(config, fast);
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 250, attempts: 1, details: { counted: 'x-hits' } } });
    expect(result.summary).toContain('250 issue(s)');
  });

  it('⚪, not ✅, when the pages run out (10) while Sentry says more remain and the count so far is under the maximum', async () => {
    given({ sentry: { issues: 25, pageSize: 2, xHits: false } });
    const result = await sentryProbe({ ...config, max: 30 }, fast);
    expect(result).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('20+ issue(s) match'),
      evidence: { value: 20, attempts: 10, details: { truncated: true } },
    });
    // over the maximum already: 🔴 whatever remains
    expect(await sentryProbe({ ...config, max: 5 }, fast)).toMatchObject({ state: 'fail', summary: expect.stringContaining('20+') });
  });

  it('follows Link rel=next results="true" when there is no X-Hits, and stops at results="false"', async () => {
    given({ sentry: { issues: 7, pageSize: 3, xHits: false } });
    const result = await sentryProbe({ ...config, max: 10 }, fast);
    expect(result).toMatchObject({ state: 'pass', evidence: { value: 7, attempts: 3, details: { counted: 'pages', truncated: false } } });
    // Found by mutation testing (these three stayed unchecked): the evidence links to the query, not to the last
    // page read, and lists the first five issues, each with its Sentry link.
    expect(result.evidence.source).toBe(
      'https://sentry.test/api/0/organizations/veza/issues/?query=is:unresolved+issue.priority:high&statsPeriod=24h&limit=100&project=-1',
    );
    expect(result.evidence.details).toMatchObject({
      issues: [1, 2, 3, 4, 5].map((n) => ({
        shortId: `VEZA-${n}`,
        title: `TypeError in player #${n}`,
        permalink: `https://veza.sentry.io/issues/${3999 + n}/`,
      })),
    });
  });

  // Found by mutation testing: counted by pages, no issue at all was never checked (`hits ?? 1` stayed green).
  it('passes with 0 issues counted by pages when there is no X-Hits', async () => {
    given({ sentry: { issues: 0, xHits: false } });
    expect(await sentryProbe(config, fast)).toMatchObject({
      state: 'pass',
      evidence: { value: 0, attempts: 1, details: { counted: 'pages', truncated: false, issues: [] } },
    });
  });

  it('sends the project ids and the period', async () => {
    let seen = '';
    server.use(...gateApiHandlers({ sentry: { issues: 0 } }));
    server.events.on('request:start', ({ request }) => void (seen = request.url));
    await sentryProbe({ ...config, projects: ['12', '34'], period: '2h' }, fast);
    server.events.removeAllListeners();
    expect(new URL(seen).searchParams.getAll('project')).toEqual(['12', '34']);
    expect(new URL(seen).searchParams.get('statsPeriod')).toBe('2h');
  });

  describe('which projects Sentry searches', () => {
    // Sentry's organisation issues endpoint: no `project` = the projects of the token owner's teams,
    // `project=-1` = every project the token can access; no project at all = a bare [] (no Link, no X-Hits).
    const sentry = (memberOf: string[], canAccess: string[]) =>
      server.use(
        http.get(`${TEST_URLS.sentry}/api/0/organizations/:org/issues/`, ({ request }) => {
          const url = new URL(request.url);
          const asked = url.searchParams.getAll('project');
          const projects = asked.length === 0 ? memberOf : asked.includes('-1') ? canAccess : asked;
          if (projects.length === 0) return HttpResponse.json([]);
          const issues = [{ shortId: 'VEZA-API-1', title: 'Upload crash', permalink: 'https://veza.sentry.io/issues/1/' }];
          return HttpResponse.json(issues, {
            headers: { 'X-Hits': '1', Link: `<${url}&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"` },
          });
        }),
      );

    it('with SENTRY_PROJECT unset, every project the token can access (project=-1), not only its owner’s teams’', async () => {
      sentry([], ['42']);
      expect(await sentryProbe(config, fast)).toMatchObject({ state: 'fail', evidence: { value: 1 } });
    });

    it('a bare [] without Link (Sentry searched no project: the token sees none) is ⚪ config, not ✅ 0 issues', async () => {
      sentry([], []);
      const result = await sentryProbe(config, fast);
      expect(result).toMatchObject({ state: 'unknown', reason: 'config', evidence: { value: null, httpStatus: 200 } });
      expect(result.summary).toContain('Sentry searched no project');
      // the control case: a real search with no match has its Link header, and passes
      given({ sentry: { issues: 0 } });
      expect(await sentryProbe(config, fast)).toMatchObject({ state: 'pass', evidence: { value: 0 } });
    });

    it('an empty search whose Link a proxy dropped still has X-Hits: 0 issues ✅ (only the search over no project has neither)', async () => {
      // Sentry's search answer carries both (add_cursor_headers); an API gateway or CDN that drops Link kept the
      // gate ⚪ config on a launch with no issue, then 🔴 unknown_too_long once escalated
      server.use(
        http.get(`${TEST_URLS.sentry}/api/0/organizations/:org/issues/`, () => HttpResponse.json([], { headers: { 'X-Hits': '0' } })),
      );
      expect(await sentryProbe(config, fast)).toMatchObject({ state: 'pass', evidence: { value: 0 } });
      // an X-Hits that is no count proves nothing: still the search over no project
      server.use(
        http.get(`${TEST_URLS.sentry}/api/0/organizations/:org/issues/`, () => HttpResponse.json([], { headers: { 'X-Hits': 'none' } })),
      );
      expect(await sentryProbe(config, fast)).toMatchObject({ state: 'unknown', reason: 'config' });
    });
  });

  it('is ⚪ auth on a wrong token (401), without retrying', async () => {
    given({ sentry: { issues: 1 } });
    const result = await sentryProbe({ ...config, token: 'sntrys_wrong' }, fast);
    expect(result).toMatchObject({ state: 'unknown', reason: 'auth', evidence: { httpStatus: 401, attempts: 1 } });
  });

  it('is ⚪ auth on 403 without rate-limit headers', async () => {
    given({ sentry: { fault: { status: 403 } } });
    expect(await sentryProbe(config, fast)).toMatchObject({ state: 'unknown', reason: 'auth', evidence: { httpStatus: 403 } });
  });

  it('is ⚪ config when the organisation does not exist (404)', async () => {
    given({ sentry: { fault: { status: 404 } } });
    const result = await sentryProbe(config, fast);
    expect(result).toMatchObject({ state: 'unknown', reason: 'config' });
    expect(result.summary).toContain('organisation "veza" not found');
  });

  it('is ⚪ parse on malformed JSON', async () => {
    given({ sentry: { fault: { body: '[{"id": "1", ' } } });
    expect(await sentryProbe(config, fast)).toMatchObject({ state: 'unknown', reason: 'parse', evidence: { httpStatus: 200 } });
  });

  it('is ⚪ parse when the body is JSON but not a list', async () => {
    given({ sentry: { fault: { body: '{"detail":"something"}' } } });
    expect(await sentryProbe(config, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });
});
