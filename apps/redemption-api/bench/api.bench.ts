/**
 * The service with all its hardening (strict parsing, rate limit raised out of
 * the way but still counted, CORS, metrics, redacted JSON logs) against a bare
 * fastify endpoint doing the same query, in interleaved rounds, on the
 * throwaway PostgreSQL (PGlite when the harness started none).
 *
 * Lookup: besides the full service (with the shared PostgreSQL rate-limit
 * store, as deployed on PostgreSQL, and with the in-memory store), each
 * hardening piece is added alone to the bare endpoint, so that the cost of
 * each is measured against the same bare baseline in the same round.
 *
 * Redeem: the bare baseline is a fastify endpoint running the same
 * `UPDATE … RETURNING` as raw SQL (no ORM, no state lookup), each run on its
 * own fresh codes, a fixed number of requests (every code redeemed once).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import {
  createInvites,
  digestCode,
  formatCode,
  lookupInvite,
  parseCode,
  purgeRateLimitWindows,
  settleRateLimitHits,
} from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { interleavedFigure, median, quantile } from '@veza/test-support';
import type { BenchFigure, BenchRun, InterleavedResult } from '@veza/test-support';
import { testConfig } from '../src/config.js';
import { corsHeaders, registerCorsPreflight } from '../src/cors.js';
import { createMetrics, outcomeCounter, requestRecorder } from '../src/metrics.js';
import { isoDate } from '../src/iso-date.js';
import { maskEmail } from '../src/routes/invites.js';
import { accessLog } from '../src/access-log.js';
import { buildServer, loggerOptions } from '../src/server.js';
import { LocalCounter } from '../src/local-rate-limit-store.js';
import { rateLimitHook } from '../src/rate-limit-hook.js';
import { SharedCounter } from '../src/shared-rate-limit-store.js';

const CONNECTIONS = 32;
const RATE_LIMIT = 1_000_000_000;

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
  non2xx: number;
  errors: number;
  /** CPU time of this process (every server, the database client) per request answered, in microseconds */
  cpuUs: number;
  /** every 2xx response's time, in milliseconds */
  latencies: number[];
}

const LOAD_CHILD = fileURLToPath(new URL('./load-child.mjs', import.meta.url));

/** Runs autocannon in a child process against `url` for `seconds`; this process's CPU over the run, per request, is the servers' cost. */
async function load(url: string, seconds: number, path: string, codesFile?: string): Promise<Load> {
  const job = JSON.stringify({ url, path, seconds, connections: CONNECTIONS, ...(codesFile ? { codesFile } : {}) });
  const child = spawn(process.execPath, [LOAD_CHILD, job], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  // Its startup is idle time for the servers: the CPU clock starts with the child, the rate is the child's own.
  const cpu0 = process.cpuUsage();
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(
      () => {
        child.kill('SIGKILL');
        reject(new Error(`load generator: no result after ${seconds + 60} s`));
      },
      (seconds + 60) * 1000,
    );
    child.on('exit', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
    total: number;
    seconds: number;
    non2xx: number;
    errors: number;
    latencies: number[];
  };
  return {
    rps: r.total / r.seconds,
    non2xx: r.non2xx,
    errors: r.errors,
    cpuUs: (cpu.user + cpu.system) / Math.max(1, r.total),
    latencies: r.latencies.map((us) => us / 1000),
  };
}

type Piece =
  | 'validation'
  | 'rate limit (in memory)'
  | 'rate limit (shared PostgreSQL store)'
  | 'metrics'
  | 'logging (info, redacted, discarded)'
  | 'CORS';

/** The bare lookup endpoint plus, optionally, one piece of the service's hardening, built the way server.ts builds it. */
function bareLookup(conn: Connection, piece?: Piece): { app: FastifyInstance; close: () => Promise<void> } {
  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const logging = piece === 'logging (info, redacted, discarded)';
  // logging as server.ts does it: fastify's request logging off, one line per request on response
  const app = Fastify(
    logging
      ? { logger: loggerOptions('info', discard), logController: new LogController({ disableRequestLogging: true }) }
      : { logger: false },
  );
  if (logging) {
    const logAccess = accessLog(app.log);
    app.addHook('onResponse', (req, reply, done) => {
      logAccess(req, reply);
      done();
    });
  }
  let close = (): Promise<void> => Promise.resolve();
  if (piece === 'rate limit (in memory)') app.addHook('onRequest', rateLimitHook(new LocalCounter(60_000), RATE_LIMIT));
  if (piece === 'rate limit (shared PostgreSQL store)') {
    const counter = new SharedCounter({
      settle: (batch) => settleRateLimitHits(conn.db, batch),
      purge: (before) => purgeRateLimitWindows(conn.db, before),
      max: RATE_LIMIT,
      windowMs: 60_000,
      flushIntervalMs: 1_000,
      settleWaitMs: 1_000,
    });
    close = () => counter.close();
    app.addHook('onRequest', rateLimitHook(counter, RATE_LIMIT));
  }
  if (piece === 'CORS') {
    const addCorsHeaders = corsHeaders(['https://veza.fm']);
    app.addHook('onSend', (req, reply, payload, done) => {
      addCorsHeaders(req, reply);
      done(null, payload);
    });
    registerCorsPreflight(app, (reply) => reply.code(400).send({ error: 'not a preflight' }));
  }
  const metrics = piece === 'metrics' ? createMetrics() : undefined;
  const countLookup = metrics ? outcomeCounter(metrics, metrics.lookups) : undefined;
  if (metrics) {
    const recordRequest = requestRecorder(metrics);
    app.addHook('onResponse', (req, reply, done) => {
      recordRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  if (piece === 'validation') {
    app.get<{ Params: { code: string } }>('/v1/invites/:code', async (req, reply) => {
      const parsed = parseCode(req.params.code);
      if (!parsed.ok) return reply.code(400).send({ error: 'malformed' });
      const result = await lookupInvite(conn.db, parsed.code);
      if (result.state !== 'valid') return reply.code(404).send({ error: result.state });
      return {
        invite: {
          state: 'valid',
          email: maskEmail(result.invite.email),
          expiresAt: isoDate(result.invite.expiresAt),
        },
      };
    });
  } else {
    app.get<{ Params: { code: string } }>('/v1/invites/:code', async (req) => {
      const result = await lookupInvite(conn.db, req.params.code);
      countLookup?.(result.state);
      return result;
    });
  }
  return { app, close };
}

export const run: BenchRun = async (ctx) => {
  const backend = ctx.databaseUrl
    ? testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres')
    : testBackends({}).at(0);
  if (!backend) throw new Error('no backend');
  const conn = await openTestDatabase(backend, { maxConnections: 10 });
  const onPostgres = conn.kind === 'postgres';
  const seconds = Math.max(1, Math.round(2 * ctx.scale));
  const rounds = ctx.scale >= 0.5 ? 6 : 2;
  // the breakdown is skipped in the run under load (only the main figures are compared there)
  const breakdownRounds = ctx.underLoad ? 0 : ctx.scale >= 0.5 ? 2 : 1;
  // Fresh codes per redeem run: well above what a run can use (checked: no 409 in the notes).
  const redeemPool = 12_000 * seconds;
  ctx.log(
    `backend ${backend.name}, ${seconds} s per lookup run, ${rounds} rounds (${breakdownRounds} for the breakdown), ${CONNECTIONS} connections, ${redeemPool} fresh codes per redeem run`,
  );
  const [lookupCode] = await makeCodes(conn, 1, 'lookup');
  if (!lookupCode) throw new Error('no lookup code');

  const discard = new Writable({ write: (_chunk, _enc, done) => done() });
  const config = testConfig({ logLevel: 'info', rateLimitPerMinute: RATE_LIMIT, corsOrigins: ['https://veza.fm'] });
  const fullShared = onPostgres ? await buildServer({ config, conn, logStream: discard, rateLimitStore: 'postgres' }) : undefined;
  const fullMemory = await buildServer({ config, conn, logStream: discard, rateLimitStore: 'memory' });
  const bare = bareLookup(conn);
  // The fair redeem baseline: the same atomic UPDATE … RETURNING, as raw SQL.
  // On PostgreSQL through its own postgres.js pool of the same size; on PGlite (one connection) through the connection itself.
  const UPDATE =
    'UPDATE beta_invites SET used_at = now(), used_by = NULL WHERE code_digest = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id, email, cohort, expires_at, used_at';
  const raw = onPostgres && conn.url ? postgres(conn.url, { max: 10, onnotice: () => undefined }) : undefined;
  const update = raw
    ? (digest: string) => raw.unsafe(UPDATE, [digest], { prepare: true })
    : (digest: string) => conn.rawTransaction((tx) => tx.query(UPDATE, [digest]));
  bare.app.post<{ Body: { code: string } }>('/v1/invites/redeem', async (req, reply) => {
    const [row] = await update(digestCode(req.body.code));
    return row ? { invite: row } : reply.code(409).send({ error: 'not redeemed' });
  });
  const pieces: Piece[] =
    breakdownRounds === 0
      ? []
      : [
          'validation',
          'rate limit (in memory)',
          ...(onPostgres ? (['rate limit (shared PostgreSQL store)'] as const) : []),
          'metrics',
          'logging (info, redacted, discarded)',
          'CORS',
        ];
  const withPiece = new Map<Piece, { app: FastifyInstance; close: () => Promise<void>; url?: string }>();
  for (const piece of pieces) withPiece.set(piece, bareLookup(conn, piece));

  const bareUrl = await listen(bare.app);
  const fullSharedUrl = fullShared ? await listen(fullShared) : undefined;
  const fullMemoryUrl = await listen(fullMemory);
  for (const p of withPiece.values()) p.url = await listen(p.app);

  const lookupPath = `/v1/invites/${lookupCode}`;
  let codesFiles = 0;
  /** a file of fresh codes for one redeem run (the load generator reads it) */
  const codesFile = (codes: string[]) => {
    const file = join(ctx.tmpDir, `codes-${codesFiles++}.txt`);
    writeFileSync(file, `${codes.join('\n')}\n`, { mode: 0o600 });
    return file;
  };

  const non2xx: Record<string, number> = {};
  let socketErrors = 0;
  const count = (name: string, l: Load) => {
    non2xx[name] = (non2xx[name] ?? 0) + l.non2xx;
    socketErrors += l.errors;
    return l;
  };
  interface Series {
    rps: InterleavedResult;
    cpu: InterleavedResult;
    /** every round's 2xx response times, pooled per side */
    latencies: { baseline: number[]; measured: number[] };
  }
  const series = (): Series => ({
    rps: { baseline: [], measured: [] },
    cpu: { baseline: [], measured: [] },
    latencies: { baseline: [], measured: [] },
  });
  const push = (into: Series, b: Load, m: Load) => {
    into.rps.baseline.push(b.rps);
    into.rps.measured.push(m.rps);
    into.cpu.baseline.push(b.cpuUs);
    into.cpu.measured.push(m.cpuUs);
    for (const ms of b.latencies) into.latencies.baseline.push(ms);
    for (const ms of m.latencies) into.latencies.measured.push(ms);
  };

  // Warm every server (JIT, pool connections).
  for (const url of [bareUrl, fullSharedUrl, fullMemoryUrl, ...[...withPiece.values()].map((p) => p.url)])
    if (url) await load(url, 1, lookupPath);

  // Lookup, full service against bare: bare, full (shared store), bare, full (memory store), …
  const lookupShared = series();
  const lookupMemory = series();
  for (let round = 0; round < rounds; round++) {
    if (fullSharedUrl) {
      const b = count('bare lookup', await load(bareUrl, seconds, lookupPath));
      const f = count('full lookup (shared store)', await load(fullSharedUrl, seconds, lookupPath));
      push(lookupShared, b, f);
    }
    const b = count('bare lookup', await load(bareUrl, seconds, lookupPath));
    const m = count('full lookup (memory store)', await load(fullMemoryUrl, seconds, lookupPath));
    push(lookupMemory, b, m);
    ctx.log(
      `lookup round ${round + 1}: ${fullSharedUrl ? `full (shared store) ${(lookupShared.rps.measured.at(-1)! / lookupShared.rps.baseline.at(-1)!).toFixed(2)}x, ` : ''}full (memory store) ${(m.rps / b.rps).toFixed(2)}x of bare (${Math.round(b.rps)}/s)`,
    );
  }

  // Where the difference goes: each piece alone on the bare endpoint, interleaved with the bare endpoint.
  const breakdown = new Map<Piece, Series>(pieces.map((p) => [p, series()]));
  for (let round = 0; round < breakdownRounds; round++) {
    for (const piece of pieces) {
      const b = count('bare lookup', await load(bareUrl, seconds, lookupPath));
      const p = count(`bare + ${piece}`, await load(withPiece.get(piece)!.url!, seconds, lookupPath));
      push(breakdown.get(piece)!, b, p);
    }
  }

  // Redeem: every run on fresh codes of its own.
  const redeemFullUrl = fullSharedUrl ?? fullMemoryUrl;
  const redeem = series();
  for (let round = 0; round < rounds; round++) {
    const barePool = await makeCodes(conn, redeemPool, `bare${round}`);
    const fullPool = await makeCodes(conn, redeemPool, `full${round}`);
    const b = count('bare redeem', await load(bareUrl, seconds, '/v1/invites/redeem', codesFile(barePool)));
    const f = count('full redeem', await load(redeemFullUrl, seconds, '/v1/invites/redeem', codesFile(fullPool)));
    push(redeem, b, f);
    ctx.log(`redeem round ${round + 1}: ${(f.rps / b.rps).toFixed(2)}x of bare (${Math.round(b.rps)}/s)`);
  }

  // autocannon stops with requests in flight and leaves those keep-alive sockets open; they would keep this process alive.
  for (const app of [fullShared, fullMemory, bare.app, ...[...withPiece.values()].map((p) => p.app)]) {
    if (!app) continue;
    app.server.closeAllConnections();
    await app.close();
  }
  for (const p of withPiece.values()) await p.close();
  await raw?.end();
  await conn.close();

  const figures: BenchFigure[] = [];
  /**
   * The p99 of every round's responses pooled, each side: a 2 s run's own p99 is its ~25th slowest
   * response with 32 in flight, so one stall decided it and the per-round ratios spread by 2x.
   */
  const pooledP99 = (x: Series, label: string, baseline: string): BenchFigure => {
    const p99 = (ms: number[]) =>
      quantile(
        [...ms].sort((a, b) => a - b),
        0.99,
      );
    const measured = p99(x.latencies.measured);
    const bare = p99(x.latencies.baseline);
    return {
      label: `${label} p99 latency, all rounds' responses pooled (baseline / measured: above 1 is faster)`,
      measured: { name: 'redemption-api', unit: 'ms', value: measured },
      baseline: { name: baseline, unit: 'ms', value: bare },
      ratio: bare / measured,
    };
  };
  const lookupLabel = 'GET /v1/invites/{code} throughput';
  const cpuFigure = (x: Series, label: string, baseline: string) =>
    interleavedFigure({ baseline: x.cpu.measured, measured: x.cpu.baseline }, 'rate', {
      label: `${label}: server CPU per request (baseline / measured)`,
      measured: { name: 'redemption-api', unit: 'µs/req' },
      baseline: { name: baseline, unit: 'µs/req' },
    });
  // interleavedFigure names the sides by position; CPU figures swap them so that the ratio reads "fraction of the bare cost": fix the names back
  const named = (f: BenchFigure): BenchFigure => ({
    ...f,
    measured: { ...f.baseline, name: f.measured.name },
    baseline: { ...f.measured, name: f.baseline.name },
  });
  if (fullShared) {
    figures.push(
      interleavedFigure(lookupShared.rps, 'rate', {
        label: `${lookupLabel}, rate limit on the shared PostgreSQL store (as deployed on PostgreSQL)`,
        measured: { name: 'redemption-api', unit: 'req/s' },
        baseline: { name: 'bare fastify, same query', unit: 'req/s' },
        target: '≥ 0.8x of bare',
        met: (r) => r >= 0.8,
      }),
      named(cpuFigure(lookupShared, 'GET /v1/invites/{code}, shared store', 'bare fastify, same query')),
    );
  }
  figures.push(
    interleavedFigure(lookupMemory.rps, 'rate', {
      label: `${lookupLabel}, rate limit in memory`,
      measured: { name: 'redemption-api', unit: 'req/s' },
      baseline: { name: 'bare fastify, same query', unit: 'req/s' },
      target: '≥ 0.85x of bare',
      met: (r) => r >= 0.85,
    }),
    named(cpuFigure(lookupMemory, 'GET /v1/invites/{code}, memory store', 'bare fastify, same query')),
  );
  const main = fullShared ? lookupShared : lookupMemory;
  figures.push(pooledP99(main, 'GET /v1/invites/{code}', 'bare fastify, same query'));
  const addedUs: string[] = [];
  for (const piece of pieces) {
    const x = breakdown.get(piece)!;
    figures.push(
      interleavedFigure(x.rps, 'rate', {
        label: `lookup breakdown: bare + ${piece} alone, throughput`,
        measured: { name: `bare + ${piece}`, unit: 'req/s' },
        baseline: { name: 'bare fastify', unit: 'req/s' },
      }),
      named(cpuFigure(x, `lookup breakdown: bare + ${piece} alone`, 'bare fastify')),
    );
    addedUs.push(`${piece} +${median(x.cpu.measured.map((m, i) => m - x.cpu.baseline[i]!)).toFixed(0)} µs`);
  }
  figures.push(
    interleavedFigure(redeem.rps, 'rate', {
      label: 'POST /v1/invites/redeem throughput (fresh codes every run)',
      measured: { name: `redemption-api${fullShared ? ' (shared rate-limit store)' : ''}`, unit: 'req/s' },
      baseline: { name: 'bare fastify, raw UPDATE … RETURNING', unit: 'req/s' },
    }),
    named(cpuFigure(redeem, 'POST /v1/invites/redeem', 'bare fastify, raw UPDATE … RETURNING')),
    pooledP99(redeem, 'POST /v1/invites/redeem', 'bare fastify, raw UPDATE … RETURNING'),
  );
  return {
    title: 'redemption-api under load (autocannon)',
    figures,
    notes: [
      `${backend.name}, ${CONNECTIONS} keep-alive connections, ${seconds} s per run, ${rounds} interleaved rounds (${breakdownRounds} for the breakdown). autocannon runs in a process of its own; all servers live in the bench process, so its CPU time over a run divided by the requests answered is the server's CPU per request (database client included, PostgreSQL excluded). On 2 cores the load generator, the server and PostgreSQL compete: throughput moves with the machine's load, CPU per request much less.`,
      ...(addedUs.length
        ? [
            `Lookup breakdown, server CPU added per request by each piece alone (median of the per-round differences): ${addedUs.join(', ')}.`,
          ]
        : []),
      'redemption-api: strict zod body, rate limit (counted, raised to 1e9/min), CORS, Prometheus metrics, JSON logs at info with redaction (to a discarding stream). "shared PostgreSQL store" counts locally and settles with PostgreSQL once a second (src/shared-rate-limit-store.ts); "in memory" is the same local counting without PostgreSQL (src/local-rate-limit-store.ts).',
      "Breakdown rows: the bare endpoint with one piece added, built as server.ts builds it, each against the bare endpoint in the same round. Validation = the route's own code check, state check and masked answer.",
      "Redeem: no target in the issue; the figure compares the service with the fairest bare endpoint (the same atomic UPDATE … RETURNING as one prepared raw statement). redeemInvite sends the same statement prepared (drizzle .prepare(), see the invites-db section); the rest of the gap is the service's hardening (strict body, rate limit, metrics, logs) and drizzle's row mapping.",
      `p99 rows: the 99th percentile of all the rounds' 2xx responses pooled, each side (lookup ${main.latencies.baseline.length.toLocaleString('en-US')} bare and ${main.latencies.measured.length.toLocaleString('en-US')} measured responses, redeem ${redeem.latencies.baseline.length.toLocaleString('en-US')} and ${redeem.latencies.measured.length.toLocaleString('en-US')}), timed by autocannon per request; not a median of per-round p99s, which one stall in a ${seconds} s run decided.`,
      `Redeem: each run has ${redeemPool.toLocaleString('en-US')} fresh codes of its own, more than it can use in ${seconds} s (so no redeem answers 409, see non-2xx); the bare side runs the same UPDATE … RETURNING as raw SQL through a postgres.js pool of the same size (10).`,
      `non-2xx: ${Object.entries(non2xx)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}; socket errors ${socketErrors}.`,
    ],
  };
};
