/**
 * The service with all its hardening (strict parsing, rate limit raised out of
 * the way but still counted, CORS, metrics, redacted JSON logs) against a bare
 * fastify endpoint doing the same single invites-db call, in the same run, on
 * the throwaway PostgreSQL (PGlite when the harness started none).
 */
import { Writable } from 'node:stream';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { createInvites, formatCode, lookupInvite, redeemInvite } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import type { BenchFigure, BenchRun } from '@veza/test-support';
import { testConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';

const CONNECTIONS = 32;

async function makeCodes(conn: Connection, n: number, cohort: string): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < n; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, n - i) }, (_, j) => ({ email: `${cohort}-${i + j}@example.org`, cohort }));
    for (const outcome of await createInvites(conn.db, rows)) if (outcome.status === 'created') codes.push(formatCode(outcome.code));
  }
  return codes;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

interface Load {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, seconds: number, request: autocannon.Request): Promise<Load> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: [request] });
  return { rps: result.requests.average, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

export const run: BenchRun = async (ctx) => {
  const backend = ctx.databaseUrl ? testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres') : testBackends({}).at(0);
  if (!backend) throw new Error('no backend');
  const conn = await openTestDatabase(backend, { maxConnections: 10 });
  const seconds = Math.max(2, Math.round(10 * ctx.scale));
  const pool = Math.max(500, Math.round(20_000 * ctx.scale));
  ctx.log(`backend ${backend.name}, ${seconds} s per run, ${CONNECTIONS} connections, ${pool} fresh codes per redeem run`);
  const [lookupCode] = await makeCodes(conn, 1, 'lookup');
  const barePool = await makeCodes(conn, pool, 'bare');
  const fullPool = await makeCodes(conn, pool, 'full');

  const bare = Fastify({ logger: false });
  bare.get<{ Params: { code: string } }>('/v1/invites/:code', async (req) => lookupInvite(conn.db, req.params.code));
  bare.post<{ Body: { code: string } }>('/v1/invites/redeem', async (req) => redeemInvite(conn.db, req.body.code));
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const full = await buildServer({ config: testConfig({ logLevel: 'info', rateLimitPerMinute: 1_000_000_000, corsOrigins: ['https://veza.fm'] }), conn, logStream: discard });
  const bareUrl = await listen(bare);
  const fullUrl = await listen(full);

  const lookup: autocannon.Request = { method: 'GET', path: `/v1/invites/${lookupCode}` };
  const redeemFrom = (codes: string[]): autocannon.Request => {
    let i = 0;
    return {
      method: 'POST',
      path: '/v1/invites/redeem',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ code: codes[i++ % codes.length] }) }),
    };
  };

  // Warm both (JIT, pool connections), then measure in the same order.
  await load(bareUrl, 1, lookup);
  await load(fullUrl, 1, lookup);
  const results = {
    bareLookup: await load(bareUrl, seconds, lookup),
    fullLookup: await load(fullUrl, seconds, lookup),
    bareRedeem: await load(bareUrl, seconds, redeemFrom(barePool)),
    fullRedeem: await load(fullUrl, seconds, redeemFrom(fullPool)),
  };
  // autocannon stops with requests in flight and leaves those keep-alive sockets open; they would keep this process alive.
  for (const app of [full, bare]) {
    app.server.closeAllConnections();
    await app.close();
  }
  await conn.close();

  const figures: BenchFigure[] = [];
  for (const route of ['Lookup', 'Redeem'] as const) {
    const b = results[`bare${route}`];
    const f = results[`full${route}`];
    const ratio = f.rps / b.rps;
    figures.push({
      label: `${route === 'Lookup' ? 'GET /v1/invites/{code}' : 'POST /v1/invites/redeem'} throughput`,
      measured: { name: 'redemption-api', value: f.rps, unit: 'req/s' },
      baseline: { name: 'bare fastify, same query', value: b.rps, unit: 'req/s' },
      ratio,
      target: '≥ 0.7x of bare',
      met: ratio >= 0.7,
    });
    figures.push({
      label: `${route === 'Lookup' ? 'GET /v1/invites/{code}' : 'POST /v1/invites/redeem'} p99 latency`,
      measured: { name: 'redemption-api', value: f.p99, unit: 'ms' },
      baseline: { name: 'bare fastify, same query', value: b.p99, unit: 'ms' },
      ratio: f.p99 > 0 ? b.p99 / f.p99 : 1,
    });
  }
  return {
    title: 'redemption-api under load (autocannon)',
    figures,
    notes: [
      `${backend.name}, ${CONNECTIONS} keep-alive connections, ${seconds} s per run, autocannon in the same process as both servers (2 cores shared).`,
      'redemption-api: strict zod body, rate limit (counted, raised to 1e9/min), CORS, Prometheus metrics, JSON logs at info with redaction (to a discarding stream).',
      `Redeem runs cycle over ${pool} fresh codes each (bare and full have their own); once a pool is used up, redeems answer 409 (same work on both sides: the UPDATE then the state lookup).`,
      `non-2xx: lookup bare ${results.bareLookup.non2xx} / full ${results.fullLookup.non2xx}; redeem bare ${results.bareRedeem.non2xx} / full ${results.fullRedeem.non2xx}; socket errors ${Object.values(results).reduce((n, r) => n + r.errors, 0)}.`,
    ],
  };
};
