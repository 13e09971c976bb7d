/**
 * Tokens stay with their origin: two real local HTTP servers (not msw), the
 * configured API and a foreign host. The API's Link header or redirect points
 * at the foreign host; the probe must stop at ⚪ and the foreign host must
 * never receive a request with the token.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { highIssuesProbe, k6Probe, sentryProbe } from '../index.js';
import type { HighIssuesConfig, K6Config, SentryConfig } from '../index.js';

const TOKEN = 'sntrys_ORIGIN_TEST_0123456789';

class Host {
  readonly seen: { path: string; authorization: string | null }[] = [];
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => void res.writeHead(404).end();
  private server!: Server;
  base = '';
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.seen.push({ path: req.url ?? '', authorization: req.headers.authorization ?? null });
      this.answer(req, res);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const api = new Host();
const foreign = new Host();
const json = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(200, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));
const fast = { backoffMs: 5, timeoutMs: 3_000 };

beforeAll(async () => {
  await api.start();
  await foreign.start();
});
afterAll(async () => {
  await api.stop();
  await foreign.stop();
});
beforeEach(() => {
  api.seen.length = 0;
  foreign.seen.length = 0;
  foreign.answer = (_req, res) => json(res, []);
});

const sentry = (): SentryConfig => ({
  baseUrl: api.base,
  org: 'veza',
  token: TOKEN,
  projects: [],
  query: 'is:unresolved',
  period: '24h',
  max: 5,
});
const github = (): HighIssuesConfig => ({ apiUrl: `${api.base}/gh`, repo: 'veza/app', token: TOKEN, label: 'severity: high', max: 5 });

describe('pagination stays on the configured origin', () => {
  it('Sentry: a Link rel="next" to another origin is not followed; ⚪ config says why; the token never leaves', async () => {
    api.answer = (_req, res) =>
      json(res, [{ shortId: 'VEZA-1', title: 'Crash' }], {
        Link: `<${foreign.base}/api/0/organizations/veza/issues/?cursor=1:100:0>; rel="next"; results="true"; cursor="1:100:0"`,
      });
    const result = await sentryProbe(sentry(), fast);
    expect(foreign.seen).toEqual([]);
    expect(api.seen).toEqual([{ path: expect.stringContaining('/api/0/organizations/veza/issues/'), authorization: `Bearer ${TOKEN}` }]);
    expect(result).toMatchObject({ state: 'unknown', reason: 'config' });
    expect(result.summary).toBe(
      `the next page (Link rel="next") points at ${foreign.base}, not ${api.base}: not followed, the token stays with ${api.base} (if the API really lives there, set SENTRY_URL to ${foreign.base})`,
    );
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it('GitHub: the same for the HIGH issues pages', async () => {
    api.answer = (_req, res) =>
      json(res, [{ number: 1, title: 'Data loss' }], { Link: `<${foreign.base}/gh/repos/veza/app/issues?page=2>; rel="next"` });
    const result = await highIssuesProbe(github(), fast);
    expect(foreign.seen).toEqual([]);
    expect(result).toMatchObject({ state: 'unknown', reason: 'config' });
    expect(result.summary).toContain('set GITHUB_API_URL to');
  });

  it('follows a next page on the same origin (relative or absolute) with the token', async () => {
    api.answer = (req, res) =>
      req.url?.includes('page=2')
        ? json(res, [{ number: 2, title: 'Second' }])
        : json(res, [{ number: 1, title: 'First' }], { Link: `</gh/repos/veza/app/issues?page=2>; rel="next"` });
    const result = await highIssuesProbe(github(), fast);
    expect(result).toMatchObject({ state: 'pass', evidence: { value: 2 } });
    expect(api.seen.map((s) => s.authorization)).toEqual([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
  });
});

describe('redirects stay on the configured origin', () => {
  it('a redirect to another origin is refused before the token is sent there', async () => {
    api.answer = (_req, res) => void res.writeHead(302, { Location: `${foreign.base}/elsewhere` }).end();
    const k6: K6Config = { ...github(), workflow: 'k6.yml', branch: 'main', maxAgeHours: 30 };
    const results = [await sentryProbe(sentry(), fast), await highIssuesProbe(github(), fast), await k6Probe(k6, fast)];
    expect(foreign.seen).toEqual([]);
    for (const result of results) {
      expect(result).toMatchObject({ state: 'unknown', reason: 'config' });
      expect(result.summary).toMatch(
        /^a redirect \(HTTP 302\) points at http:\/\/127\.0\.0\.1:\d+, not http:\/\/127\.0\.0\.1:\d+: not followed/,
      );
    }
  });

  it('follows a redirect on the same origin (a renamed repository)', async () => {
    // GitHub moves every path of a renamed repository; the label lookup (an empty list) is moved too.
    api.answer = (req, res) =>
      req.url?.startsWith('/gh/repos/veza/app/')
        ? void res.writeHead(301, { Location: req.url.replace('/gh/repos/veza/app/', '/gh/repositories/42/') }).end()
        : req.url?.includes('/labels/')
          ? json(res, { name: 'severity: high' })
          : json(res, []);
    const result = await highIssuesProbe(github(), fast);
    expect(result).toMatchObject({ state: 'pass', evidence: { value: 0 } });
    expect(api.seen.map((s) => [s.path.split('?')[0], s.authorization])).toEqual([
      ['/gh/repos/veza/app/issues', `Bearer ${TOKEN}`],
      ['/gh/repositories/42/issues', `Bearer ${TOKEN}`],
      ['/gh/repos/veza/app/labels/severity%3A%20high', `Bearer ${TOKEN}`],
      ['/gh/repositories/42/labels/severity%3A%20high', `Bearer ${TOKEN}`],
    ]);
  });
});
