import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createInvites, formatCode } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { fuzzOptions } from '@veza/test-support';
import type { Config } from '../src/config.js';
import { rawRequest } from '../testing/raw-http.js';
import type { RawResponse } from '../testing/raw-http.js';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';

// The real API over real sockets, on PGlite and on PostgreSQL, with TRUST_PROXY off and at one hop: random
// methods, paths, queries, headers, bodies and framings, built around live invite codes in every place a
// request can carry one. Whatever the request: an answer below 500 (the database is up), in the documented
// content types, `Cache-Control: no-store` and errors in the one shape; no live code (in any spelling) and no
// admin token in an answer, a log line or /metrics; one rate-limit bucket for one client when TRUST_PROXY is
// off; a valid code redeemed at most once. The examples of the nineteenth round's hostile review
// (hostile.integration.spec.ts) are its fixed cases; this generates around them. tools/fuzz/run.sh runs it
// longer with random seeds.

const ADMIN_TOKEN = 'Zq8vN2c-Hk4tRw9xLm3pYb7sJd1F-property';
const VALID_CODES = 6;

/** Text as parseCode reads a code: case, separators and I/L/O variants do not hide one. */
const normalised = (text: string) =>
  text
    .toUpperCase()
    .replace(/[\s_.%-]/g, '')
    .replace(/[IL]/g, '1')
    .replace(/O/g, '0');

/** Every run of 8 characters of a code (half a code is already too much to show), normalised. */
const windowsOf = (code: string) => {
  const canonical = normalised(code);
  return Array.from({ length: canonical.length - 7 }, (_, i) => canonical.slice(i, i + 8));
};

/** The spellings a person, a chat client or a hostile client gives a code. */
const spelled = (code: string) =>
  fc.constantFrom(
    code,
    code.toLowerCase(),
    code.replace(/-/g, ''),
    code.replace(/-/g, ' '),
    code.replace(/-/g, '.'),
    code.replace(/-/g, '_'),
    code.replace(/1/g, 'l').replace(/0/g, 'O'),
    // full width (an East Asian keyboard), each character as its UTF-8 escapes
    [...code].map((c) => encodeURIComponent(String.fromCharCode(c.charCodeAt(0) + 0xfee0))).join(''),
    [...code].map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''),
    `%25${code}`,
    `${code}%00`,
    ` ${code} `,
  );

/** Path pieces where routers, decoders and normalisers have disagreed. */
const pathPiece = fc.constantFrom(
  '..',
  '.',
  '%2e%2e',
  '%2E',
  ';x=1',
  ';',
  '%00',
  '%',
  '%zz',
  '%c0%af', // an overlong "/"
  '%e0%80%af',
  '%ed%a0%80', // a surrogate in UTF-8
  '%ff%fe',
  '%2f',
  '%5c',
  '\\',
  '',
  'é',
  '\u00ff',
  '😀',
  'v1',
  'invites',
  'redeem',
  'signup',
  'admin',
  'A'.repeat(300),
);
const ROUTES = [
  '/v1/invites/CODE',
  '/v1/invites/redeem',
  '/v1/invites/',
  '/signup',
  '/signup/',
  '/signup.js',
  '/signup.css',
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/v1/admin/report',
  '/v1/admin/revoke',
  '/',
  '*',
];

interface Shape {
  method: string;
  route: string;
  pieces: { at: number; piece: string }[];
  query: string[];
  fragment: boolean;
  headers: [string, string][];
  body: { bytes: Buffer; contentType: string | undefined } | undefined;
  framing: 'length' | 'short' | 'long' | 'chunked' | 'bad-chunk' | 'none';
}

/** A request shaped around `codeArb` (a live code, spelled some way). */
function requestArb(codeArb: fc.Arbitrary<string>): fc.Arbitrary<Shape> {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((n) => n.join('.'));
  const forwarded = fc.oneof(
    ipv4,
    ipv4.map((ip) => `::ffff:${ip}`),
    ipv4.map((ip) => `${ip}:51234`),
    fc.constantFrom(
      '2001:db8:1:2::1',
      '[2001:db8::1]:443',
      'unknown',
      '',
      ' , ',
      '1.2.3.4, 5.6.7.8',
      'fe80::1%eth0',
      '999.1.1.1',
      'a'.repeat(2000),
    ),
    // a hop count trusts any peer: the right-most entry is whatever the client wrote, a code as well
    { weight: 3, arbitrary: codeArb },
    fc.string({ maxLength: 40 }),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/json;charset="utf-8"',
    'application/json; charset=utf-16',
    'application/json; charset=latin1',
    'application/json, text/plain',
    'application/vnd.api+json',
    'application/jsonx',
    'text/plain',
    'text/json',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    '',
    ';',
  );
  const headerArb: fc.Arbitrary<[string, string]> = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.tuple(fc.constantFrom('X-Forwarded-For', 'x-forwarded-for', 'X-FORWARDED-FOR', 'X-Real-IP', 'Forwarded'), forwarded),
    },
    fc.tuple(fc.constant('Host'), fc.oneof(fc.constantFrom('x', '', 'evil.example:99999', '[::1]', 'a'.repeat(300)), codeArb)),
    fc.tuple(fc.constantFrom('Referer', 'Cookie', 'X-Request-Id', 'request-id', 'Origin', 'User-Agent', 'X-Invite'), codeArb),
    fc.tuple(
      fc.constant('Authorization'),
      fc.constantFrom(
        `Bearer ${ADMIN_TOKEN}`,
        `bearer ${ADMIN_TOKEN}`,
        `Bearer  ${ADMIN_TOKEN} `,
        `Basic ${ADMIN_TOKEN}`,
        ADMIN_TOKEN,
        'Bearer wrong',
      ),
    ),
    fc.tuple(fc.constant('X-Admin-Token'), fc.constant(ADMIN_TOKEN)),
    fc.tuple(fc.constant('Origin'), fc.constantFrom('https://veza.fm', 'null', 'https://evil.example')),
    fc.tuple(fc.constant('Access-Control-Request-Method'), fc.constantFrom('POST', 'GET', 'DELETE')),
    fc.tuple(fc.constant('Accept-Encoding'), fc.constantFrom('gzip', 'br', 'identity;q=0', '*')),
    fc.tuple(fc.constant('Expect'), fc.constantFrom('100-continue', 'nonsense')),
    fc.tuple(
      fc.constant('X-Big'),
      fc.integer({ min: 1, max: 18 }).map((k) => 'b'.repeat(k * 1000)),
    ),
    fc.tuple(fc.constant('Content-Type'), contentType),
  );
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const bodyBytes = fc.oneof(
    codeArb.map((code) => json({ code })),
    fc
      .tuple(codeArb, fc.oneof(fc.uuid(), fc.constantFrom(null, 7, '', 'x'.repeat(80), ['a'])))
      .map(([code, userId]) => json({ code, userId })),
    codeArb.map((code) => Buffer.from(`{"__proto__":{"code":${JSON.stringify(code)}}}`)),
    codeArb.map((code) => Buffer.from(`{"code":${JSON.stringify(code)},"constructor":{"prototype":{"x":1}}}`)),
    codeArb.map((code) => Buffer.from(`{"code":"AAAA","code":${JSON.stringify(code)}}`)),
    codeArb.map((code) => json({ code: 'x', [code]: 1 })),
    codeArb.map((code) => json({ [code]: code })),
    codeArb.map((code) => json({ email: code })),
    codeArb.map((code) => Buffer.concat([Buffer.from('\ufeff'), json({ code })])),
    codeArb.map((code) => Buffer.concat([Buffer.from(`{"code":"${code}`), Buffer.from([0xff, 0xc0, 0xaf]), Buffer.from('"}')])),
    codeArb.map((code) => json({ code: [code] })),
    fc.integer({ min: 1, max: 5000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
    fc.integer({ min: 1, max: 3000 }).map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
    fc
      .constantFrom('12345', 'null', 'true', '"code"', '{}', '[]', '', ' ', '{"code":12345678901234567890}', 'code=X', '{"code":')
      .map((text) => Buffer.from(text)),
    fc.jsonValue().map(json),
  );
  return fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'PROPFIND', 'get', 'FROB'),
    route: fc.constantFrom(...ROUTES),
    pieces: fc.array(fc.record({ at: fc.nat(6), piece: fc.oneof(pathPiece, codeArb) }), { maxLength: 3 }),
    query: fc.array(
      fc.oneof(
        codeArb.map((c) => `invite=${c}`),
        codeArb.map((c) => `invite[]=${c}`),
        codeArb.map((c) => `invite[a]=${c}`),
        codeArb.map((c) => `${c}`),
        codeArb.map((c) => `${c}=1`),
        codeArb.map((c) => `code=${c}`),
        fc.constantFrom('invite=', 'invite', '=', '&', '%', '%zz=1', 'a=%00', `x=${'y'.repeat(3000)}`),
      ),
      { maxLength: 3 },
    ),
    fragment: fc.boolean(),
    headers: fc.array(headerArb, { maxLength: 5 }),
    body: fc.option(fc.record({ bytes: bodyBytes, contentType: fc.option(contentType, { nil: undefined }) }), { nil: undefined }),
    framing: fc.constantFrom('length', 'length', 'length', 'short', 'long', 'chunked', 'bad-chunk', 'none'),
  });
}

/** The request's bytes (the URL as raw bytes: a client writes what it likes on the request line). */
function render(shape: Shape, code: string): { bytes: Buffer; end: boolean } {
  const segments = shape.route.replace('CODE', code).split('/');
  for (const { at, piece } of shape.pieces) segments.splice(Math.min(at, segments.length), 0, piece);
  let target = segments.join('/') || '/';
  if (shape.query.length > 0) target += `?${shape.query.join('&')}`;
  if (shape.fragment) target += `#${code}`;
  // a space or a line break ends the request target: the request would be another one (covered by the hostile spec)
  target = target.replace(/[\s]/g, '%20');
  const lines = [`${shape.method} ${target} HTTP/1.1`, 'Connection: close'];
  if (!shape.headers.some(([name]) => name === 'Host')) lines.push('Host: 127.0.0.1');
  for (const [name, value] of shape.headers) lines.push(`${name}: ${value.replace(/[\r\n]/g, ' ')}`);
  const body = shape.body?.bytes;
  if (body !== undefined && shape.body?.contentType !== undefined) lines.push(`Content-Type: ${shape.body.contentType}`);
  let payload: Buffer = Buffer.alloc(0);
  let end = false;
  if (body !== undefined) {
    if (shape.framing === 'length') lines.push(`Content-Length: ${body.length}`);
    if (shape.framing === 'short') lines.push(`Content-Length: ${Math.max(0, body.length - 3)}`);
    if (shape.framing === 'long') {
      // a body shorter than announced: the client then closes its side (a timeout is the hostile spec's)
      lines.push(`Content-Length: ${body.length + 10}`);
      end = true;
    }
    if (shape.framing === 'chunked' || shape.framing === 'bad-chunk') lines.push('Transfer-Encoding: chunked');
    payload =
      shape.framing === 'chunked'
        ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
        : shape.framing === 'bad-chunk'
          ? Buffer.concat([Buffer.from('zz\r\n'), body, Buffer.from('\r\n0\r\n\r\n')])
          : body;
  }
  return { bytes: Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), payload]), end };
}

/** The content types the API answers in (README, "Routes"). */
const CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'text/html; charset=utf-8',
  'text/javascript; charset=utf-8',
  'text/css; charset=utf-8',
  'text/plain; version=0.0.4; charset=utf-8',
];
/** The route labels of /metrics: the patterns, and `unmatched`. */
const ROUTE_LABELS = new Set([
  '/v1/invites/:code',
  '/v1/invites/redeem',
  '/signup',
  '/signup.js',
  '/signup.css',
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
  '/v1/admin/report',
  '/v1/admin/revoke',
  '*',
  'unmatched',
]);

const cases = testBackends().flatMap((backend) =>
  ([false, 1] as const).map((trustProxy) => ({ backend, trustProxy, label: `${backend.name}, TRUST_PROXY=${String(trustProxy)}` })),
);

describe.each(cases)('the redemption API over HTTP ($label)', ({ backend, trustProxy }) => {
  let api: RunningApi;
  let live: string[] = [];
  const overrides: Partial<Config> = {
    adminToken: ADMIN_TOKEN,
    rateLimitPerMinute: 1_000_000_000,
    corsOrigins: ['https://veza.fm'],
    trustProxy,
  };

  beforeAll(async () => {
    api = await startApi(backend, overrides);
    const seeded = await seedInvites(api.conn);
    const more = await createInvites(
      api.conn.db,
      Array.from({ length: VALID_CODES }, (_, i) => ({ email: `fuzz.${i}@example.org`, cohort: 'creators-2026' })),
    );
    live = [seeded.valid, seeded.used, seeded.expired, seeded.revoked, seeded.spare];
    for (const outcome of more) if (outcome.status === 'created') live.push(formatCode(outcome.code));
  }, 120_000);
  afterAll(async () => api?.close());

  function expectNothingSecret(text: string, where: string) {
    const seen = normalised(text);
    for (const code of live)
      for (const window of windowsOf(code))
        if (seen.includes(window)) throw new Error(`${where} holds part of a live code: ${text.slice(0, 600)}`);
    if (text.includes(ADMIN_TOKEN) || text.includes(ADMIN_TOKEN.slice(0, 12))) throw new Error(`${where} holds the admin token`);
  }

  function expectDocumentedAnswer(res: RawResponse, method: string) {
    // the answer may be lost when the client closed its side first; any answer given is checked
    if (res.status === undefined) return;
    expect(res.status).toBeLessThan(500);
    expect(res.headers['cache-control']).toBe('no-store');
    if (res.status === 204 || res.status === 304) return;
    expect(CONTENT_TYPES).toContain(res.headers['content-type']);
    if (res.status >= 400) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      if (method !== 'HEAD')
        expect(JSON.parse(res.body)).toEqual({ error: { code: expect.stringMatching(/^[A-Z_]+$/), message: expect.any(String) } });
    }
    if (res.headers['content-type']?.startsWith('text/html'))
      expect(res.headers).toMatchObject({
        'x-frame-options': 'DENY',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
  }

  it('answers any request within the contract, and no answer, log line or label gives a code or the token away', async () => {
    const redeemedIds = new Map<string, number>();
    let lastRemaining: { remaining: number; reset: number } | undefined;
    const codeArb = fc.constantFrom(...live).chain(spelled);
    await fc.assert(
      fc.asyncProperty(requestArb(codeArb), codeArb, async (shape, code) => {
        const before = api.logs.length;
        const { bytes, end } = render(shape, code);
        const res = await rawRequest(api.base, bytes, 10_000, { end });
        expectDocumentedAnswer(res, shape.method);
        expectNothingSecret(res.text, 'the answer');
        expectNothingSecret(api.logs.slice(before).join('\n'), 'the log');
        const redeemed =
          res.status === 200 && /"state":"redeemed"/.test(res.body) ? (JSON.parse(res.body) as { invite: { id: string } }) : undefined;
        if (redeemed) redeemedIds.set(redeemed.invite.id, (redeemedIds.get(redeemed.invite.id) ?? 0) + 1);
        const remaining = Number(res.headers['x-ratelimit-remaining']);
        const reset = Number(res.headers['x-ratelimit-reset']);
        // TRUST_PROXY off: whatever the headers say, one client is one bucket, counted down by each request (by
        // more than one when a request was counted but its answer lost: a client that closed first)
        if (trustProxy === false && res.headers['x-ratelimit-remaining'] !== undefined) {
          if (lastRemaining && reset <= lastRemaining.reset) expect(remaining).toBeLessThan(lastRemaining.remaining);
          lastRemaining = { remaining, reset };
        }
      }),
      fuzzOptions(20261130, 120),
    );
    expect([...redeemedIds.values()].every((n) => n === 1)).toBe(true);

    // each still valid code, redeemed in four spellings at once: one 200 at most
    const redeem = (code: string) =>
      fetch(`${api.base}/v1/invites/redeem`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      }).then(async (r) => (await r.arrayBuffer(), r.status));
    for (const code of live) {
      const statuses = await Promise.all([code, code.toLowerCase(), code.replace(/-/g, ''), code.replace(/-/g, ' ')].map(redeem));
      expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    }

    const metrics = await (await fetch(`${api.base}/metrics`)).text();
    expectNothingSecret(metrics, '/metrics');
    const routes = new Set([...metrics.matchAll(/route="([^"]*)"/g)].map((m) => m[1]));
    expect([...routes].filter((route) => !ROUTE_LABELS.has(route!))).toEqual([]);
  }, 120_000);
});
