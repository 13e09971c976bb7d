import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Connection } from '@veza/invites-db';
import { openDatabase, purgeRateLimitWindows, runMigrations, settleRateLimitHits } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import { SharedCounter, batchFor } from '../src/shared-rate-limit-store.js';
import { awayFromMinuteEnd } from '../testing/start-api.js';
import { childEnv } from '@veza/test-support';

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));
const postgres = testBackends().find((b) => b.name === 'postgres');

(postgres ? describe : describe.skip)('replicas on one PostgreSQL share one rate limit', () => {
  let url: string;
  let conn: Connection;
  beforeAll(async () => {
    url = (await postgres!.create()).url!;
    conn = await openDatabase({ databaseUrl: url });
    await runMigrations(conn);
  }, 60_000);
  afterAll(async () => conn?.close());

  it(`three counters, 300 concurrent hits, limit 100: at most 100 + 3 × (batch − 1) = ${100 + 3 * (batchFor(100) - 1)} admitted`, async () => {
    await awayFromMinuteEnd();
    const counters = [0, 1, 2].map(
      () =>
        new SharedCounter({
          settle: (b) => settleRateLimitHits(conn.db, b),
          purge: (before) => purgeRateLimitWindows(conn.db, before),
          max: 100,
          windowMs: 60_000,
          flushIntervalMs: 60_000,
          settleWaitMs: 60_000, // the bound holds for settles that answer; a busy machine must not make them local
        }),
    );
    try {
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => Promise.resolve(counters[i % 3]!.hit('stress 203.0.113.9'))));
      const admitted = results.filter((r) => r.current <= 100).length;
      expect(admitted).toBeLessThanOrEqual(100 + 3 * (batchFor(100) - 1));
      // and under the limit nobody is refused: 90 more hits of another client, concurrently, all admitted
      const under = await Promise.all(Array.from({ length: 90 }, (_, i) => Promise.resolve(counters[i % 3]!.hit('stress 203.0.113.10'))));
      expect(under.filter((r) => r.current > 100)).toEqual([]);
      // sequentially, the cluster-wide count is exact at each settle: exactly 100 admitted out of 150
      const sequential: number[] = [];
      for (let i = 0; i < 150; i++) sequential.push((await counters[i % 3]!.hit('stress 203.0.113.11')).current);
      expect(sequential.filter((c) => c <= 100).length).toBeGreaterThanOrEqual(100);
      expect(sequential.filter((c) => c <= 100).length).toBeLessThanOrEqual(100 + 3 * (batchFor(100) - 1));
    } finally {
      await Promise.all(counters.map((c) => c.close()));
    }
  }, 60_000);

  it('two API processes, limit 30/min, one client alternating: 40 lookups see at least 8 refusals (bound: 30 + 2 × 1 admitted)', async () => {
    const children = [0, 1].map(() =>
      spawn(process.execPath, [bin], {
        env: childEnv({
          DATABASE_URL: url,
          PORT: '0',
          RATE_LIMIT_PER_MINUTE: '30',
        }),
      }),
    );
    try {
      const ports = await Promise.all(
        children.map(
          (child) =>
            new Promise<number>((resolve, reject) => {
              let out = '';
              const timer = setTimeout(() => reject(new Error(`not ready in 40 s: ${out}`)), 40_000);
              child.stdout.on('data', (chunk: Buffer) => {
                out += chunk.toString();
                const line = out.split('\n').find((l) => l.includes('redemption-api ready'));
                if (line) {
                  clearTimeout(timer);
                  const ready = JSON.parse(line) as { port: number; rateLimitStore: string };
                  expect(ready.rateLimitStore).toBe('postgres');
                  resolve(ready.port);
                }
              });
            }),
        ),
      );
      await awayFromMinuteEnd();
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/v1/invites/0000-0000-0000-0000`);
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      const refused = statuses.filter((s) => s === 429).length;
      expect(statuses.filter((s) => s !== 429 && s !== 404)).toEqual([]);
      expect(refused).toBeGreaterThanOrEqual(8);
    } finally {
      for (const child of children) child.kill('SIGTERM');
      await Promise.all(
        children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))),
      );
    }
  }, 120_000);

  it('a client that writes its own X-Forwarded-For hop of 3,000 characters does not stop the replicas sharing their counts', async () => {
    // A hop count trusts any peer (the API README): a client reaching the port directly writes the key. Over 2,704
    // bytes it failed every settle of its replica (the primary key's index row limit, error 54000), which then
    // counted every client alone: 4 of 4 lookups admitted at a limit of 2 over two replicas.
    const replicas = await Promise.all(
      [0, 1].map(async () => {
        const app = await buildServer({ config: testConfig({ rateLimitPerMinute: 2, trustProxy: 1 }), conn });
        await app.listen({ port: 0, host: '127.0.0.1' });
        return app;
      }),
    );
    try {
      const base = (i: number) => {
        const address = replicas[i]!.server.address();
        if (!address || typeof address === 'string') throw new Error('no TCP address');
        return `http://127.0.0.1:${address.port}`;
      };
      const lookup = async (i: number, xff: string) => {
        const res = await fetch(`${base(i)}/v1/invites/0000-0000-0000-0000`, { headers: { 'x-forwarded-for': xff } });
        await res.arrayBuffer();
        return res.status;
      };
      await awayFromMinuteEnd();
      // random: PostgreSQL compresses a repetitive one below the limit
      expect(await lookup(0, randomBytes(2250).toString('base64'))).toBe(404);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push(await lookup(i % 2, '203.0.113.40'));
      expect(statuses).toEqual([404, 404, 429, 429]);
    } finally {
      await Promise.all(replicas.map((app) => app.close()));
    }
  }, 60_000);
});
