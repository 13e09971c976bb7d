import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERROR_STATUS } from '../src/errors.js';
import { redactUrl } from '../src/redact-url.js';
import type { ErrorCode } from '../src/errors.js';
import { rawRequest } from '../testing/raw-http.js';
import type { RunningApi } from '../testing/start-api.js';
import { awayFromMinuteEnd, seedInvites, startApi } from '../testing/start-api.js';

// What a hostile test found; the embedded database is enough (none of this depends on the backend).
const [pglite] = testBackends().filter((b) => b.name === 'pglite');
const ADMIN_TOKEN = 'Zq8vN2c-Hk4tRw9xLm3pYb7sJd1F-hostile';

function expectShape(body: string, code: ErrorCode) {
  expect(JSON.parse(body)).toEqual({ error: { code, message: expect.any(String) } });
}

/** The log, normalised as parseCode reads a code: case, separators and I/L/O variants do not hide one. */
const normalised = (text: string) => text.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');

describe('redemption-api under hostile requests', () => {
  let api: RunningApi;
  let code: string;

  beforeAll(async () => {
    api = await startApi(pglite!, { adminToken: ADMIN_TOKEN, rateLimitPerMinute: 10_000, adminFailuresPerMinute: 5 });
    code = (await seedInvites(api.conn)).valid;
  }, 120_000);
  afterAll(async () => api?.close());

  describe('codes never reach the log, whatever the path and spelling', () => {
    const spellings = (c: string) => [
      c,
      c.toLowerCase(),
      c.replace(/-/g, ''),
      c.replace(/1/g, 'l').replace(/0/g, 'o'),
      c.replace(/-/g, '%20'),
      c.replace(/-/g, '').replace(/./g, (ch) => `%${ch.charCodeAt(0).toString(16)}`),
    ];
    it.each([
      '//v1/invites/CODE',
      '/v1//invites/CODE',
      '/x/../v1/invites/CODE',
      '/v1/invites/redeem/../CODE',
      '/signup/CODE',
      '/CODE',
      '/v1/admin/revoke/CODE',
      '/signup?invite=CODE',
      '/signup?CODE',
      '/signup?CODE=1',
    ])('%s', async (shape) => {
      const before = api.logs.length;
      for (const spelled of spellings(code)) {
        const res = await rawRequest(api.base, `GET ${shape.replace('CODE', spelled)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(res.status).toBeDefined();
      }
      const logged = api.logs.slice(before).join('\n');
      expect(logged).toMatch(/request completed/);
      const canonical = normalised(code);
      expect(normalised(logged)).not.toContain(canonical.slice(0, 8));
      expect(normalised(logged)).not.toContain(canonical.slice(8));
    });
  });

  describe('errors before routing keep the one error shape', () => {
    it.each([
      ['a space inside the request line', 'GET /v1/invites/a b HTTP/1.1\r\nHost: x\r\n\r\n', 'REQUEST_INVALID'],
      ['an unknown method', 'FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 'REQUEST_INVALID'],
      ['a bad HTTP version', 'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n', 'REQUEST_INVALID'],
      ['a header without a colon', 'GET /healthz HTTP/1.1\r\nHost x\r\n\r\n', 'REQUEST_INVALID'],
      ['headers over the limit', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 'REQUEST_HEADERS_TOO_LARGE'],
      ['CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n', 'METHOD_NOT_ALLOWED'],
      ['a request target without its leading slash', 'GET v1/invites HTTP/1.1\r\nHost: x\r\n\r\n', 'REQUEST_INVALID'],
    ] as const)('%s', async (_label, bytes, errorCode) => {
      const res = await rawRequest(api.base, bytes);
      expect(res.status).toBe(ERROR_STATUS[errorCode]);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      // "every answer, success or error" (README): these are written outside fastify and had no Cache-Control
      expect(res.headers['cache-control']).toBe('no-store');
      expectShape(res.body, errorCode);
    });

    it('a request the router refuses (a bad %-escape, a parameter over 256 characters) leaves its access line and is counted', async () => {
      const before = api.logs.length;
      const metric = /^redemption_api_http_requests_total\{method="GET",route="unmatched",status="400"\} (\d+)$/m;
      const counted = async () => Number(metric.exec(await (await fetch(`${api.base}/metrics`)).text())?.[1] ?? 0);
      const countedBefore = await counted();
      // the last: a code grouped by "%" (no escape; "%1B" of it decodes to ESC), logged whole when its access line was first written
      for (const path of ['/v1/invites/%E0%A4%A', `/v1/invites/${'A'.repeat(300)}`, '/signup%zz', '/v1/invites/0Z9P%1BB1%RMRB%XJH5']) {
        const res = await rawRequest(api.base, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
        expect(res.status).toBe(400);
        // fastify runs no onSend hook for these either: they had no Cache-Control, which every answer has
        expect(res.headers['cache-control']).toBe('no-store');
      }
      // each was answered, with no line naming its URL or client, and no count (a flood of them was invisible)
      const lines = api.logs
        .slice(before)
        .map((line) => JSON.parse(line) as { msg: string; req?: { url: string; remoteAddress: string }; res?: { statusCode: number } })
        .filter((line) => line.msg === 'request completed' && line.req?.url !== '/metrics');
      expect(lines.map((line) => [line.req?.url, line.req?.remoteAddress, line.res?.statusCode])).toEqual([
        [redactUrl('/v1/invites/%E0%A4%A'), '127.0.0.1', 400],
        ['/v1/invites/[redacted]', '127.0.0.1', 400],
        ['/signup%zz', '127.0.0.1', 400],
        ['/v1/invites/[redacted]', '127.0.0.1', 400],
      ]);
      expect(await counted()).toBe(countedBefore + 4);
    });

    it('a request Node refuses before fastify (a bad request line, a deadline) leaves a line with its code and peer', async () => {
      const before = api.logs.length;
      const res = await rawRequest(api.base, 'FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(res.status).toBe(400);
      const refused = api.logs.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(refused).toContainEqual(
        expect.objectContaining({
          msg: 'request refused',
          code: 'REQUEST_INVALID',
          reason: 'HPE_INVALID_METHOD',
          remoteAddress: '127.0.0.1',
        }),
      );
    });

    it('an Expect other than 100-continue is served as any request, logged and counted', async () => {
      // Node answered it 417 itself, with no body, no Cache-Control and no access line
      const before = api.logs.length;
      const res = await rawRequest(api.base, 'GET /v1/invites/0000 HTTP/1.1\r\nHost: x\r\nExpect: nonsense\r\nConnection: close\r\n\r\n');
      expect(res.status).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
      expectShape(res.body, 'INVITE_MALFORMED');
      expect(api.logs.slice(before).join('\n')).toMatch(/request completed/);
    });

    it('a method Node knows but no route has', async () => {
      const res = await rawRequest(api.base, 'PROPFIND /v1/invites/redeem HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      expect(res.status).toBe(405);
      expectShape(res.body, 'METHOD_NOT_ALLOWED');
    });
  });

  describe('admin routes', () => {
    it('refuses a client after 5 failed attempts in a minute (429, Retry-After), even with the right token then', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await fetch(`${api.base}/v1/admin/report`, { headers: { authorization: `Bearer wrong-${i}` } });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
          expectShape(await res.text(), 'RATE_LIMITED');
        } else await res.arrayBuffer();
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
      expect((await fetch(`${api.base}/v1/admin/report`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(429);
      expect(api.logs.join('\n')).not.toContain(ADMIN_TOKEN);
    });
  });
});

describe('TRUST_PROXY behind one load balancer', () => {
  let api: RunningApi | undefined;
  afterAll(async () => api?.close());

  const lookup = (base: string, xff: string) =>
    fetch(`${base}/v1/invites/0000-0000-0000-0000`, { headers: { 'x-forwarded-for': xff } }).then(
      async (r) => (await r.arrayBuffer(), r.status),
    );

  it('with a hop count of 1, each client has its own bucket, and a forged X-Forwarded-For does not pick a new one', async () => {
    api = await startApi(pglite!, { rateLimitPerMinute: 2, trustProxy: 1 });
    // The load balancer appends the address it saw; a client can only write what comes before it.
    expect([await lookup(api.base, '203.0.113.7'), await lookup(api.base, '203.0.113.7')]).toEqual([404, 404]);
    expect(await lookup(api.base, '203.0.113.7')).toBe(429);
    expect(await lookup(api.base, '198.51.100.1, 203.0.113.7')).toBe(429);
    expect(await lookup(api.base, '203.0.113.8')).toBe(404);
  }, 60_000);

  it('a code written as the forwarded address reaches neither the access log nor the shared bucket', async () => {
    await api?.close();
    api = await startApi(pglite!, { trustProxy: 1 });
    const code = (await seedInvites(api.conn)).valid;
    const before = api.logs.length;
    // a hop count trusts whatever peer connects: the client wrote the "address" that was logged whole
    for (const spelled of [code, code.toLowerCase().replace(/-/g, '.'), ` ${code.replace(/-/g, '')} `])
      expect(await lookup(api.base, spelled)).toBe(404);
    const logged = normalised(api.logs.slice(before).join('\n'));
    expect(logged).toMatch(/REQUESTC0MP1ETED/);
    expect(logged).not.toContain(normalised(code).slice(0, 8));
    expect(logged).not.toContain(normalised(code).slice(8));
  }, 60_000);

  it('limits an IPv6 client by its /64, and an IPv4 client whatever the spelling its load balancer gives', async () => {
    await api?.close();
    api = await startApi(pglite!, { rateLimitPerMinute: 2, trustProxy: 1, adminToken: ADMIN_TOKEN, adminFailuresPerMinute: 2 });
    await awayFromMinuteEnd();
    // A host picks any address of its /64 (each was its own bucket: 40 of 40 lookups admitted at a limit of 30).
    const oneNetwork = ['2001:db8:1:2::1', '2001:db8:1:2:aaaa::7', '2001:db8:1:2:ffff:ffff:ffff:ffff'];
    const statuses: number[] = [];
    for (const address of oneNetwork) statuses.push(await lookup(api.base, address));
    expect(statuses).toEqual([404, 404, 429]);
    expect(await lookup(api.base, '2001:db8:1:3::1')).toBe(404);
    // One IPv4 client: mapped, plain, with the port some load balancers append (a new bucket per connection).
    const spellings = ['::ffff:203.0.113.20', '203.0.113.20', '203.0.113.20:51234', '[::ffff:203.0.113.20]:443'];
    const v4: number[] = [];
    for (const address of spellings) v4.push(await lookup(api.base, address));
    expect(v4).toEqual([404, 404, 429, 429]);
    // The admin failure limiter keys on the same client.
    const admin = async (address: string, token: string) => {
      const res = await fetch(`${api!.base}/v1/admin/report`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address },
      });
      await res.arrayBuffer();
      return res.status;
    };
    expect([await admin('2001:db8:9:9::1', 'wrong-1'), await admin('2001:db8:9:9::2', 'wrong-2')]).toEqual([401, 401]);
    expect(await admin('2001:db8:9:9::3', ADMIN_TOKEN)).toBe(429);
    expect(await admin('2001:db8:9:a::3', ADMIN_TOKEN)).toBe(200);
  }, 60_000);
});
