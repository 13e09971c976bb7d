import type { TestBackend } from '@veza/invites-db/testing';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';
import type { ThrowawayPostgres } from '../testing/throwaway-postgres.js';
import { postgresBinDir, startThrowawayPostgres } from '../testing/throwaway-postgres.js';

const bin = postgresBinDir();
if (!bin && process.env['CI'])
  throw new Error('no PostgreSQL server binaries (/usr/lib/postgresql/*/bin): tools/with-postgres.sh installs them');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

(bin ? describe : describe.skip)('a PostgreSQL that stops under load and comes back', () => {
  let pg: ThrowawayPostgres | undefined;
  let api: RunningApi | undefined;
  let valid = '';
  afterAll(async () => {
    await api?.close().catch(() => undefined);
    pg?.remove();
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After (never 500) while it is down, and serves again once it is back, without restart', async () => {
    pg = await startThrowawayPostgres(bin!);
    const backend: TestBackend = { name: 'postgres', create: () => Promise.resolve({ url: pg!.url }) };
    api = await startApi(backend, { rateLimitPerMinute: 1_000_000, logLevel: 'warn' }, { maxConnections: 8 });
    valid = (await seedInvites(api.conn)).valid;
    const base = api.base;

    const seen: { status: number; code?: string; retryAfter: string | null }[] = [];
    let running = true;
    const worker = async () => {
      while (running) {
        const res = await fetch(`${base}/v1/invites/${valid}`);
        const body = (await res.json()) as { error?: { code: string } };
        seen.push({ status: res.status, code: body.error?.code, retryAfter: res.headers.get('retry-after') });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await sleep(300);
    await pg.stop('fast'); // "the database system is shutting down", "terminating connection due to administrator command"
    await sleep(1_000);
    await pg.start();
    await sleep(300);
    running = false;
    await Promise.all(workers);

    // Recovery: the same process answers 200 again within a deadline (postgres.js alone could wait 20 s
    // between reconnections; openDatabase caps its backoff at 2 s).
    let recovered = 0;
    const deadline = Date.now() + 10_000;
    while (recovered !== 200 && Date.now() < deadline) {
      recovered = (await fetch(`${base}/v1/invites/${valid}`)).status;
      if (recovered !== 200) await sleep(200);
    }
    expect(recovered).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    const tally: Record<string, number> = {};
    for (const s of seen) tally[`${s.status} ${s.code ?? 'ok'}`] = (tally[`${s.status} ${s.code ?? 'ok'}`] ?? 0) + 1;
    expect(Object.keys(tally).sort()).toEqual(['200 ok', '503 DATABASE_UNAVAILABLE']);
    expect(seen.filter((s) => s.status === 503).every((s) => s.retryAfter === '5')).toBe(true);
  }, 120_000);

  it('answers 503 within its own deadline when the database stops answering without closing anything, and serves again when it does', async () => {
    // SIGSTOP: no error, no closed socket, and no statement_timeout either (the server is not running)
    expect((await fetch(`${api!.base}/v1/invites/${valid}`)).status).toBe(200);
    const timed = async (path: string) => {
      const started = Date.now();
      const res = await fetch(`${api!.base}${path}`, { signal: AbortSignal.timeout(30_000) });
      return { status: res.status, code: ((await res.json()) as { error?: { code: string } }).error?.code, ms: Date.now() - started };
    };
    pg!.freeze(true);
    let frozen: Awaited<ReturnType<typeof timed>>[];
    try {
      frozen = await Promise.all([timed(`/v1/invites/${valid}`), timed('/readyz')]);
    } finally {
      pg!.freeze(false);
    }
    for (const answer of frozen) {
      expect(answer).toMatchObject({ status: 503, code: 'DATABASE_UNAVAILABLE' });
      expect(answer.ms).toBeLessThan(15_000); // DATABASE_DEADLINE_MS is 6 s; the frozen server would have held it for ever
    }
    let status = 0;
    const deadline = Date.now() + 20_000;
    while (status !== 200 && Date.now() < deadline) {
      status = (await fetch(`${api!.base}/v1/invites/${valid}`)).status;
      if (status !== 200) await sleep(200);
    }
    expect(status).toBe(200);
  }, 120_000);

  // The shared rate limit settles with PostgreSQL at once when a client has ceil(limit / 20) unsettled
  // requests (every second one at the default 30), and the request waited for that settle with no
  // deadline: against a frozen server it hung for the whole freeze (62–66 s in a run of a minute), and
  // behind a network that drops packets until TCP gave up; the route's own 6 s deadline never started.
  it('with the default rate limit, every request of a client is answered within the deadline while the database is frozen', async () => {
    const backend: TestBackend = { name: 'postgres', create: () => Promise.resolve({ url: pg!.url }) };
    const limited = await startApi(backend, { logLevel: 'warn' });
    try {
      const timed = async () => {
        const started = Date.now();
        const res = await fetch(`${limited.base}/v1/invites/${valid}`, { signal: AbortSignal.timeout(40_000) }).catch(() => undefined);
        return { status: res?.status ?? 'no answer within 40 s', ms: Date.now() - started };
      };
      expect((await timed()).status).toBe(200);
      pg!.freeze(true);
      let frozen: Awaited<ReturnType<typeof timed>>[];
      try {
        frozen = await Promise.all([timed(), timed(), timed()]);
      } finally {
        pg!.freeze(false);
      }
      for (const answer of frozen) {
        expect(answer.status).toBe(503);
        expect(answer.ms).toBeLessThan(15_000);
      }
    } finally {
      await limited.close();
    }
  }, 120_000);
});
