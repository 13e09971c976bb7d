import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { testConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import type { Server } from '../src/server.js';
import { rawRequest } from '../testing/raw-http.js';
import { awayFromMinuteEnd, seedInvites } from '../testing/start-api.js';

const [pglite] = testBackends().filter((b) => b.name === 'pglite');
const LIMIT = 6;

/** The line with its two clock readings blanked: pino's and ours are written a few microseconds apart. */
const timeless = (line: string) => line.replace(/"time":\d+,/, '"time":T,').replace(/"responseTime":[0-9.e+-]+,/, '"responseTime":R,');

// The access line is written by src/access-log.ts, not by pino: each request's line must be the one
// pino writes for req.log.info({ req, res: reply, responseTime }, 'request completed'), byte for byte.
describe('the access line', () => {
  let conn: Connection;
  let app: Server;
  let base: string;
  let codes: Record<string, string>;
  const lines: string[] = [];

  beforeAll(async () => {
    conn = await openTestDatabase(pglite!);
    codes = await seedInvites(conn);
    const logStream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    app = await buildServer({ config: testConfig({ logLevel: 'info', rateLimitPerMinute: LIMIT }), conn, logStream });
    // pino's line for the same request, after the server's own (hooks run in the order they were added)
    app.addHook('onResponse', (req, reply, done) => {
      req.log.info({ req, res: reply, responseTime: reply.elapsedTime }, 'request completed');
      done();
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    base = `http://127.0.0.1:${address.port}`;
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await conn?.close();
  });

  it('is what pino wrote, for a lookup, a 404, a redeem, odd URLs and a 429, and never holds the code', async () => {
    await awayFromMinuteEnd();
    const get = (path: string) =>
      rawRequest(base, `GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret\r\nConnection: close\r\n\r\n`);
    const statuses: (number | undefined)[] = [];
    const body = JSON.stringify({ code: codes['spare'] });
    statuses.push((await get(`/v1/invites/${codes['valid']}`)).status);
    statuses.push((await get('/v1/invites/7K3M-Q9ZD-1XWN-4T8R')).status);
    statuses.push(
      (
        await rawRequest(
          base,
          `POST /v1/invites/redeem HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
        )
      ).status,
    );
    statuses.push((await get(`/signup?invite=${codes['valid']}&x"\\y=1`)).status);
    statuses.push((await get(`/caf%C3%A9/"q"\\/${codes['valid']!.toLowerCase()}`)).status);
    for (let i = 0; i < LIMIT; i++) statuses.push((await get(`/v1/invites/${codes['used']}`)).status);
    expect(statuses.slice(0, 4)).toEqual([200, 404, 200, 200]);
    expect(statuses).toContain(409);
    expect(statuses.at(-1)).toBe(429);

    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const access = lines.filter((_, i) => parsed[i]!['msg'] === 'request completed');
    expect(access).toHaveLength(2 * statuses.length);
    for (let i = 0; i < access.length; i += 2) {
      const ours = access[i]!;
      const pinos = access[i + 1]!;
      expect(timeless(ours)).toBe(timeless(pinos));
      expect(Object.keys(JSON.parse(ours) as object)).toEqual([
        'level',
        'time',
        'pid',
        'hostname',
        'reqId',
        'req',
        'res',
        'responseTime',
        'msg',
      ]);
      expect(typeof (JSON.parse(ours) as { responseTime: unknown }).responseTime).toBe('number');
    }
    expect(
      access.map((line) => (JSON.parse(line) as { res: { statusCode: number } }).res.statusCode).filter((_, i) => i % 2 === 0),
    ).toEqual(statuses);
    // the refusals (404, 409, 429) still carry the request's id, as its access line does
    const refused = parsed.filter((l) => l['msg'] === 'request refused');
    expect(refused.map((l) => l['code'])).toEqual(expect.arrayContaining(['INVITE_UNKNOWN', 'INVITE_USED', 'RATE_LIMITED']));
    for (const line of refused)
      expect(parsed.filter((l) => l['msg'] === 'request completed' && l['reqId'] === line['reqId'])).toHaveLength(2);

    const all = lines.join('\n').toUpperCase().replace(/-/g, '');
    for (const code of Object.values(codes)) expect(all).not.toContain(code.toUpperCase().replace(/-/g, '').slice(0, 8));
    expect(all).not.toContain('S3CRET');
  });
});
