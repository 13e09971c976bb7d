import { createInvites, formatCode } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ERROR_STATUS } from '../src/errors.js';
import { classify } from '../src/server.js';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

async function call(api: RunningApi, method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(api.base + path, { method, body: init.body, headers: init.headers });
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: left undefined, the assertions say so
  }
  return {
    status: response.status,
    headers: response.headers,
    json: json as { error?: { code: string; message: string }; invite?: Record<string, unknown> } & Record<string, unknown>,
    text,
  };
}

const postJson = (api: RunningApi, path: string, body: unknown, headers: Record<string, string> = {}) =>
  call(api, 'POST', path, { body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } });

/** The one error shape, with the status of the code in the map. */
function expectError(res: Awaited<ReturnType<typeof call>>, code: keyof typeof ERROR_STATUS) {
  expect(res.json).toEqual({ error: { code, message: expect.any(String) } });
  expect(res.status).toBe(ERROR_STATUS[code]);
  expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
}

describe.each(testBackends())('redemption-api on $name', (backend) => {
  let api: RunningApi;
  let codes: Awaited<ReturnType<typeof seedInvites>>;

  beforeAll(async () => {
    api = await startApi(backend, {
      adminToken: ADMIN_TOKEN,
      corsOrigins: ['https://veza.fm'],
      rateLimitPerMinute: 10_000,
      bodyLimitBytes: 1024,
    });
    codes = await seedInvites(api.conn);
  }, 120_000);
  afterAll(async () => api?.close());

  describe('lookup', () => {
    it('answers a valid code with its expiry and a masked email, not its cohort label, without consuming it', async () => {
      for (let i = 0; i < 2; i++) {
        const res = await call(api, 'GET', `/v1/invites/${codes.valid.toLowerCase()}`);
        expect(res.status).toBe(200);
        expect(res.json).toEqual({
          invite: {
            state: 'valid',
            email: 'v***@example.org',
            expiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        });
      }
    });

    it('asks that no answer be stored: a lookup URL holds a code, its answer a masked address (Chromium cached both)', async () => {
      const answers = [
        await call(api, 'GET', `/v1/invites/${codes.valid}`),
        await call(api, 'GET', `/v1/invites/${codes.used}`),
        await call(api, 'GET', '/v1/invites/0000-0000-0000-0000'),
        await postJson(api, '/v1/invites/redeem', { code: 'hello' }),
        await call(api, 'GET', '/v1/admin/report', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
        await call(api, 'GET', '/nowhere'),
      ];
      expect(answers.map((res) => [res.status, res.headers.get('cache-control')])).toEqual([
        [200, 'no-store'],
        [409, 'no-store'],
        [404, 'no-store'],
        [400, 'no-store'],
        [200, 'no-store'],
        [404, 'no-store'],
      ]);
    });

    it.each([
      ['used', 'INVITE_USED'],
      ['expired', 'INVITE_EXPIRED'],
      ['revoked', 'INVITE_REVOKED'],
    ] as const)('answers a %s code with %s', async (state, code) => {
      expectError(await call(api, 'GET', `/v1/invites/${codes[state]}`), code);
    });

    it('says "expired" in the expired message', async () => {
      const res = await call(api, 'GET', `/v1/invites/${codes.expired}`);
      expect(res.json.error?.message).toMatch(/expired/);
    });

    it('answers an unknown well-formed code with INVITE_UNKNOWN', async () => {
      expectError(await call(api, 'GET', '/v1/invites/0000-0000-0000-0000'), 'INVITE_UNKNOWN');
    });

    it.each([
      ['too short', 'ABCD'],
      ['a bad character', 'ABCD-ABCD-ABCD-ABC!'],
      ['too long', 'A'.repeat(70)],
      ['longer than the router allows', 'A'.repeat(300)],
      ['unicode', encodeURIComponent('ÀBCD-ABCD-ABCD-ABCD')],
      ['a broken %-escape', 'ABCD%ZZABCDABCDABCD'],
    ])('answers a code that is %s with INVITE_MALFORMED', async (_what, code) => {
      expectError(await call(api, 'GET', `/v1/invites/${code}`), 'INVITE_MALFORMED');
    });
  });

  describe('redeem', () => {
    it('consumes a valid code once, then answers INVITE_USED', async () => {
      const first = await postJson(api, '/v1/invites/redeem', { code: codes.spare, userId: '6f1c1f5e-1d2a-4b8e-9a61-1f0b4f3e2d10' });
      expect(first.status).toBe(200);
      expect(first.json.invite).toMatchObject({
        state: 'redeemed',
        cohort: 'creators-2026',
        email: 's***@example.org',
        redeemedAt: expect.any(String),
      });
      expectError(await postJson(api, '/v1/invites/redeem', { code: codes.spare }), 'INVITE_USED');
      expectError(await call(api, 'GET', `/v1/invites/${codes.spare}`), 'INVITE_USED');
    });

    it.each([
      ['used', 'INVITE_USED'],
      ['expired', 'INVITE_EXPIRED'],
      ['revoked', 'INVITE_REVOKED'],
    ] as const)('refuses a %s code with %s', async (state, code) => {
      expectError(await postJson(api, '/v1/invites/redeem', { code: codes[state] }), code);
    });

    it('refuses unknown and malformed codes', async () => {
      expectError(await postJson(api, '/v1/invites/redeem', { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' }), 'INVITE_UNKNOWN');
      expectError(await postJson(api, '/v1/invites/redeem', { code: 'not a code' }), 'INVITE_MALFORMED');
      expectError(await postJson(api, '/v1/invites/redeem', { code: 'x'.repeat(500) }), 'INVITE_MALFORMED');
    });
  });

  describe('bad requests', () => {
    it.each([
      ['an unknown field', { code: 'ABCD-ABCD-ABCD-ABCD', admin: true }],
      ['a missing code', {}],
      ['a number code', { code: 1234 }],
      ['a non-UUID userId', { code: 'ABCD-ABCD-ABCD-ABCD', userId: 'me' }],
      ['an array body', ['ABCD-ABCD-ABCD-ABCD']],
      ['a null body', null],
      ['a string body', 'ABCD-ABCD-ABCD-ABCD'],
    ])('answers %s with REQUEST_INVALID', async (_what, body) => {
      expectError(await postJson(api, '/v1/invites/redeem', body), 'REQUEST_INVALID');
    });

    it('answers malformed and empty JSON with REQUEST_INVALID, without quoting the body', async () => {
      const res = await call(api, 'POST', '/v1/invites/redeem', {
        body: `{"code":"${codes.valid}"`,
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 'REQUEST_INVALID');
      expect(res.text).not.toContain(codes.valid);
      expectError(
        await call(api, 'POST', '/v1/invites/redeem', { body: '', headers: { 'content-type': 'application/json' } }),
        'REQUEST_INVALID',
      );
    });

    it('refuses prototype poisoning', async () => {
      const res = await call(api, 'POST', '/v1/invites/redeem', {
        body: '{"code":"ABCD-ABCD-ABCD-ABCD","__proto__":{"x":1}}',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 'REQUEST_INVALID');
      expect(res.json.error?.message).toBe('The request body is not valid JSON, or has a "__proto__" or "constructor" key.');
    });

    it('a client that hangs up mid-body is its own failure, never logged as the database being down', () => {
      const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET', statusCode: 400 });
      expect(classify(aborted).code).toBe('REQUEST_INVALID');
      // the same code from the database driver (no HTTP status) is the database's
      expect(classify(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })).code).toBe('DATABASE_UNAVAILABLE');
    });

    it('answers a body over the limit with REQUEST_TOO_LARGE', async () => {
      expectError(await postJson(api, '/v1/invites/redeem', { code: 'A'.repeat(2000) }), 'REQUEST_TOO_LARGE');
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
      'answers %s with REQUEST_UNSUPPORTED_MEDIA_TYPE',
      async (type) => {
        expectError(
          await call(api, 'POST', '/v1/invites/redeem', { body: 'code=ABCD', headers: { 'content-type': type } }),
          'REQUEST_UNSUPPORTED_MEDIA_TYPE',
        );
      },
    );

    it('answers GET of the redeem route 405 with Allow: POST (not a malformed code)', async () => {
      const res = await call(api, 'GET', '/v1/invites/redeem');
      expectError(res, 'METHOD_NOT_ALLOWED');
      expect(res.headers.get('allow')).toBe('POST');
    });

    // It was 405 METHOD_NOT_ALLOWED with "Allow: GET, HEAD", to a GET (the 405 check read /signup/ as /signup).
    it('reads a trailing slash as the same route: /signup/?invite=, /healthz/, GET /v1/invites/CODE/', async () => {
      const page = await call(api, 'GET', `/signup/?invite=${codes.valid}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect((await call(api, 'GET', '/healthz/')).status).toBe(200);
      const lookup = await call(api, 'GET', `/v1/invites/${codes.valid}/`);
      expect(lookup.status).toBe(200);
      expect(lookup.json).toMatchObject({ invite: { state: 'valid' } });
      expect((await call(api, 'GET', '/v1/invites/redeem/')).headers.get('allow')).toBe('POST');
    });

    it('answers an OPTIONS request that is no CORS preflight in the error shape', async () => {
      for (const path of ['/v1/invites/redeem', '/nowhere']) {
        const res = await call(api, 'OPTIONS', path);
        expectError(res, 'REQUEST_INVALID');
        expect(res.json.error?.message).toContain('CORS preflight');
      }
    });

    it('answers unknown routes with NOT_FOUND and other methods with METHOD_NOT_ALLOWED', async () => {
      expectError(await call(api, 'GET', '/v2/nothing'), 'NOT_FOUND');
      const res = await call(api, 'DELETE', '/v1/invites/redeem');
      expectError(res, 'METHOD_NOT_ALLOWED');
      expect(res.headers.get('allow')).toContain('POST'); // GET too: /v1/invites/redeem also reads as /v1/invites/:code
      expectError(await call(api, 'PUT', `/v1/invites/${codes.valid}`), 'METHOD_NOT_ALLOWED');
    });
  });

  describe('CORS', () => {
    it('allows a configured origin, preflight included', async () => {
      const pre = await call(api, 'OPTIONS', '/v1/invites/redeem', {
        headers: { origin: 'https://veza.fm', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe('https://veza.fm');
      expect(pre.headers.get('access-control-allow-methods')).toBe('GET, POST');
      expect(pre.headers.get('access-control-allow-headers')).toBe('Content-Type, Authorization');
      expect(pre.headers.get('access-control-max-age')).toBe('600');
      expect(pre.headers.get('content-length')).toBe('0');
      const get = await call(api, 'GET', `/v1/invites/${codes.valid}`, { headers: { origin: 'https://veza.fm' } });
      expect(get.headers.get('access-control-allow-origin')).toBe('https://veza.fm');
    });

    it('says Vary: Origin on every answer, with or without an Origin, errors and the page included', async () => {
      const answers = [
        await call(api, 'GET', `/v1/invites/${codes.valid}`),
        await call(api, 'GET', `/v1/invites/${codes.used}`, { headers: { origin: 'https://veza.fm' } }),
        await postJson(api, '/v1/invites/redeem', { code: 'hello' }, { origin: 'https://evil.example' }),
        await call(api, 'GET', '/nowhere'),
        await call(api, 'GET', '/signup'),
        await call(api, 'OPTIONS', '/v1/invites/redeem'),
      ];
      expect(answers.map((res) => res.headers.get('vary'))).toEqual(Array(answers.length).fill('Origin'));
    });

    // @fastify/cors answered OPTIONS in its onRequest hook, before any body was read, and took a blank Origin or
    // Access-Control-Request-Method for a missing one; src/cors.ts is meant to answer the same.
    it('answers OPTIONS as @fastify/cors did: a blank Origin or request method is no preflight, a body is not read', async () => {
      for (const headers of [
        { origin: '', 'access-control-request-method': 'POST' },
        { origin: 'https://veza.fm', 'access-control-request-method': '' },
      ]) {
        const res = await call(api, 'OPTIONS', '/v1/invites/redeem', { headers });
        expectError(res, 'REQUEST_INVALID');
        expect(res.headers.get('access-control-allow-methods')).toBeNull();
      }
      const preflight = { origin: 'https://veza.fm', 'access-control-request-method': 'POST' };
      for (const [type, body] of [
        ['text/plain', 'hello'],
        ['application/json', '{"code":'],
      ] as const) {
        const res = await call(api, 'OPTIONS', '/v1/invites/redeem', { headers: { ...preflight, 'content-type': type }, body });
        expect([type, res.status, res.headers.get('access-control-allow-methods')]).toEqual([type, 204, 'GET, POST']);
      }
      const bare = await call(api, 'OPTIONS', '/nowhere', { headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expectError(bare, 'REQUEST_INVALID');
      expect(bare.json.error?.message).toContain('CORS preflight');
    });

    it('gives no CORS grant to another origin', async () => {
      const pre = await call(api, 'OPTIONS', '/v1/invites/redeem', {
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      });
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const get = await call(api, 'GET', `/v1/invites/${codes.valid}`, { headers: { origin: 'https://evil.example' } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('admin', () => {
    const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

    it('refuses a missing or wrong token with ADMIN_UNAUTHORIZED', async () => {
      expectError(await call(api, 'GET', '/v1/admin/report'), 'ADMIN_UNAUTHORIZED');
      const wrong = await call(api, 'GET', '/v1/admin/report', { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
      expectError(wrong, 'ADMIN_UNAUTHORIZED');
      expect(wrong.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expectError(await call(api, 'GET', '/v1/admin/report', { headers: { authorization: ADMIN_TOKEN } }), 'ADMIN_UNAUTHORIZED');
      expectError(await postJson(api, '/v1/admin/revoke', { email: 'valid.person@example.org' }), 'ADMIN_UNAUTHORIZED');
    });

    it('reports the per-cohort funnel with the right token', async () => {
      const res = await call(api, 'GET', '/v1/admin/report', { headers: bearer });
      expect(res.status).toBe(200);
      expect(res.json['total']).toMatchObject({ invited: 5, expired: 1, revoked: 1 });
    });

    it('revokes by code and by email, then the code answers INVITE_REVOKED', async () => {
      const extra = await startExtraInvite(api);
      const byCode = await postJson(api, '/v1/admin/revoke', { code: extra }, bearer);
      expect(byCode.status).toBe(200);
      expect(byCode.json['revoked']).toHaveLength(1);
      expectError(await call(api, 'GET', `/v1/invites/${extra}`), 'INVITE_REVOKED');
      const byEmail = await postJson(api, '/v1/admin/revoke', { email: 'VALID.person@example.org' }, bearer);
      expect(byEmail.json['revoked']).toHaveLength(1);
      expectError(await call(api, 'GET', `/v1/invites/${codes.valid}`), 'INVITE_REVOKED');
      const again = await postJson(api, '/v1/admin/revoke', { code: extra }, bearer);
      expect(again.status).toBe(200);
      expect(again.json).toMatchObject({ revoked: [], untouched: [{ reason: 'already revoked' }] });
      // nothing matches: 404, not a 200 with empty lists that a script could read as done
      expectError(await postJson(api, '/v1/admin/revoke', { code: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ' }, bearer), 'INVITE_UNKNOWN');
      const nobody = await postJson(api, '/v1/admin/revoke', { email: 'nobody@example.org' }, bearer);
      expectError(nobody, 'INVITE_UNKNOWN');
      expect(JSON.stringify(nobody.json)).not.toContain('nobody@example.org');
      expectError(await postJson(api, '/v1/admin/revoke', { code: 'nope' }, bearer), 'INVITE_MALFORMED');
      expectError(await postJson(api, '/v1/admin/revoke', { email: 'not-an-email' }, bearer), 'REQUEST_INVALID');
      expectError(await postJson(api, '/v1/admin/revoke', { code: extra, email: 'a@b.org' }, bearer), 'REQUEST_INVALID');
    });
  });

  describe('health and metrics', () => {
    it('is healthy and ready', async () => {
      expect((await call(api, 'GET', '/healthz')).json).toEqual({ status: 'ok' });
      const ready = await call(api, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json).toEqual({ status: 'ready', database: backend.name });
    });

    it('counts requests by route and status, and redemptions by outcome', async () => {
      const res = await call(api, 'GET', '/metrics');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(res.text).toMatch(/redemption_api_http_requests_total\{method="GET",route="\/v1\/invites\/:code",status="410"\} \d+/);
      expect(res.text).toMatch(
        /redemption_api_http_request_duration_seconds_bucket\{le="0.1",method="POST",route="\/v1\/invites\/redeem",status="200"\} \d+/,
      );
      expect(res.text).toMatch(/redemption_api_redemptions_total\{outcome="redeemed"\} 1\b/);
      expect(res.text).toMatch(/redemption_api_redemptions_total\{outcome="used"\} \d+/);
      expect(res.text).toMatch(/redemption_api_http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    });
  });

  it('never logs a code or the admin token', () => {
    const everything = api.logs.join('\n');
    expect(api.logs.length).toBeGreaterThan(50);
    expect(everything).toContain('/v1/invites/[redacted]');
    for (const code of Object.values(codes)) {
      expect(everything).not.toContain(code);
      expect(everything).not.toContain(code.replace(/-/g, ''));
      expect(everything.toUpperCase()).not.toContain(code.toUpperCase());
    }
    expect(everything).not.toContain(ADMIN_TOKEN);
  });
});

async function startExtraInvite(api: RunningApi): Promise<string> {
  const [outcome] = await createInvites(api.conn.db, [{ email: 'extra@example.org', cohort: 'fans-2026' }]);
  if (outcome?.status !== 'created') throw new Error('expected a new invite');
  return formatCode(outcome.code);
}
