import { performance } from 'node:perf_hooks';
import { setupServer } from 'msw/node';
import { highIssuesProbe, statuspageProbe } from './index.js';
import { nextLink, parseLinkHeader, retryAfterMs } from './request-json.js';
import { gateApiHandlers, testGatesConfig } from './testing.js';
import type { Fault } from './testing.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testGatesConfig().statuspage!;
const now = new Date('2026-06-12T17:45:00.000Z');

async function probeWith(fault: Fault, options: { timeoutMs?: number; retries?: number; backoffMs?: number } = {}) {
  server.use(...gateApiHandlers({ statuspage: { indicator: 'none', fault } }));
  const started = performance.now();
  const result = await statuspageProbe(config, { backoffMs: 10, timeoutMs: 2_000, now: () => now, ...options });
  return { result, elapsed: performance.now() - started };
}

describe('retries and budgets', () => {
  it('retries a 503 and passes when the server recovers', async () => {
    const { result } = await probeWith({ status: 503, times: 2 });
    expect(result).toMatchObject({ state: 'pass', evidence: { httpStatus: 200, attempts: 3 } });
  });

  it('gives up after the retries with ⚪ unavailable and the last status', async () => {
    const { result } = await probeWith({ status: 502 }, { retries: 1 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'unavailable', evidence: { httpStatus: 502, attempts: 2 } });
  });

  it('retries a network error', async () => {
    const { result } = await probeWith({ status: 0, times: 1 });
    expect(result).toMatchObject({ state: 'pass', evidence: { attempts: 2 } });
  });

  it('reports a network error that lasts as ⚪ unavailable with no HTTP status', async () => {
    const { result } = await probeWith({ status: 0 }, { retries: 1 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'unavailable', evidence: { httpStatus: null, attempts: 2 } });
  });

  it('waits the Retry-After seconds of a 429 before retrying', async () => {
    const { result, elapsed } = await probeWith({ status: 429, times: 1, retryAfter: '1' });
    expect(result).toMatchObject({ state: 'pass', evidence: { attempts: 2 } });
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });

  it('reads Retry-After as an HTTP date against the probe clock', async () => {
    const inOneSecond = new Date(now.getTime() + 1_000).toUTCString();
    const { result, elapsed } = await probeWith({ status: 429, times: 1, retryAfter: inOneSecond });
    expect(result.state).toBe('pass');
    expect(elapsed).toBeGreaterThanOrEqual(950);
  });

  it('does not sleep past its budget: a Retry-After longer than the time left ends at ⚪ rate_limited at once', async () => {
    const { result, elapsed } = await probeWith({ status: 429, retryAfter: '60' }, { timeoutMs: 1_500 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'rate_limited', evidence: { httpStatus: 429, attempts: 1 } });
    expect(elapsed).toBeLessThan(1_000);
  });

  it('a Retry-After beyond any date (a huge number of seconds) is ⚪ rate_limited at once, not "probe error: Invalid time value"', async () => {
    const { result } = await probeWith({ status: 429, retryAfter: '99999999999999999999' }, { timeoutMs: 1_500 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'rate_limited', evidence: { httpStatus: 429, attempts: 1 } });
    expect(result.summary).toBe('rate limited (HTTP 429), Retry-After beyond any date');
  });

  it("treats GitHub's 403 with x-ratelimit-remaining: 0 as a rate limit, not an auth failure", async () => {
    const { result } = await probeWith({ status: 403, headers: { 'x-ratelimit-remaining': '0' } }, { retries: 0 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'rate_limited' });
  });

  it("GitHub's primary limit (403, remaining 0) waits for x-ratelimit-reset: one an hour away is ⚪ at once, saying until when", async () => {
    const reset = String(Math.floor(now.getTime() / 1000) + 3600);
    const { result, elapsed } = await probeWith(
      { status: 403, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } },
      { timeoutMs: 1_500 },
    );
    expect(result).toMatchObject({ state: 'unknown', reason: 'rate_limited', evidence: { httpStatus: 403, attempts: 1 } });
    expect(result.summary).toContain('rate limited (HTTP 403) until 2026-06-12T18:45:00.000Z');
    expect(elapsed).toBeLessThan(1_000);
  });

  it("GitHub's secondary limit as a 403 with neither header, only its message, is ⚪ rate_limited, not ⚪ auth (the token is fine)", async () => {
    const message = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';
    const github = (status: number, body: unknown) => {
      server.use(...gateApiHandlers({ highIssues: { fault: { status, body: JSON.stringify(body) } } }));
      return highIssuesProbe(testGatesConfig().highIssues!, { backoffMs: 10, timeoutMs: 2_000, now: () => now });
    };
    const limited = await github(403, { message, documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' });
    // GitHub asks for at least a minute: more than the budget, so no blind retry
    expect(limited).toMatchObject({ state: 'unknown', reason: 'rate_limited', evidence: { httpStatus: 403, attempts: 1 } });
    expect(limited.summary).toBe('rate limited (HTTP 403, the body says "rate limit")');
    // the control case: a 403 for a token without access stays ⚪ auth
    server.resetHandlers();
    const denied = await github(403, { message: 'Resource not accessible by personal access token' });
    expect(denied).toMatchObject({ state: 'unknown', reason: 'auth', evidence: { httpStatus: 403 } });
  });

  it('times out a slow server within its own budget', async () => {
    const { result, elapsed } = await probeWith({ delayMs: 5_000 }, { timeoutMs: 300 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'timeout', evidence: { httpStatus: null } });
    expect(result.summary).toBe('no answer within 300 ms');
    expect(elapsed).toBeLessThan(1_500);
  });

  it('stops when the caller aborts', async () => {
    server.use(...gateApiHandlers({ statuspage: { fault: { delayMs: 5_000 } } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await statuspageProbe(config, { signal: controller.signal, timeoutMs: 4_000 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'unavailable', summary: 'probe cancelled' });
  });
});

describe('headers', () => {
  it('parses Retry-After seconds and dates, and ignores garbage', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Fri, 12 Jun 2026 17:45:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Fri, 12 Jun 2026 17:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });

  it("parses Sentry's and GitHub's Link headers", () => {
    const sentry =
      '<https://sentry.io/api/0/organizations/veza/issues/?cursor=0:0:1>; rel="previous"; results="false"; cursor="0:0:1", <https://sentry.io/api/0/organizations/veza/issues/?cursor=0:100:0>; rel="next"; results="true"; cursor="0:100:0"';
    expect(parseLinkHeader(sentry)).toEqual([
      {
        url: 'https://sentry.io/api/0/organizations/veza/issues/?cursor=0:0:1',
        params: { rel: 'previous', results: 'false', cursor: '0:0:1' },
      },
      {
        url: 'https://sentry.io/api/0/organizations/veza/issues/?cursor=0:100:0',
        params: { rel: 'next', results: 'true', cursor: '0:100:0' },
      },
    ]);
    expect(nextLink(new Headers({ link: sentry }))).toBe('https://sentry.io/api/0/organizations/veza/issues/?cursor=0:100:0');
    expect(nextLink(new Headers({ link: sentry.replace('results="true"', 'results="false"') }))).toBeNull();
    const github =
      '<https://api.github.com/repositories/1/issues?page=2>; rel="next", <https://api.github.com/repositories/1/issues?page=5>; rel="last"';
    expect(nextLink(new Headers({ link: github }))).toBe('https://api.github.com/repositories/1/issues?page=2');
    expect(nextLink(new Headers())).toBeNull();
  });
});
