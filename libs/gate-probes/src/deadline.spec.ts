/**
 * Every probe ends by its own deadline, whatever the garbage collector does:
 * a real TCP server that accepts and never answers, and a full collection
 * forced every few milliseconds (Node 20 drops an AbortSignal.timeout()
 * combined with AbortSignal.any() after a collection; these timers are held).
 */
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { postWebhook, runGates, withDeadline } from './index.js';
import type { GatesConfig } from './index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: Server;
const sockets = new Set<Socket>();
let base = '';
beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs work while forcing a full collection every 5 ms. */
async function underGcPressure<T>(work: () => Promise<T>): Promise<T> {
  const collector = setInterval(gc, 5);
  try {
    return await work();
  } finally {
    clearInterval(collector);
  }
}

const hanging = (): GatesConfig => ({
  timeoutMs: 400,
  retries: 2,
  testers: { target: 1, cohort: null },
  sentry: { baseUrl: base, org: 'veza', token: 't0k3n', projects: [], query: 'is:unresolved', period: '24h', max: 0 },
  statuspage: { url: base },
  synthetic: { promUrl: base, query: 'up' },
  k6: { apiUrl: base, repo: 'veza/app', token: 't0k3n', workflow: 'k6.yml', branch: 'main', maxAgeHours: 30 },
  highIssues: { apiUrl: base, repo: 'veza/app', token: 't0k3n', label: 'severity: high', max: 0 },
});

describe('deadlines under garbage-collection pressure', () => {
  it.each([1, 2, 3, 4, 5])(
    'six gates against a silent upstream end ⚪ timeout by their deadline (try %d), with and without a caller signal',
    async () => {
      const caller = new AbortController();
      const t0 = Date.now();
      const [plain, withSignal] = await underGcPressure(() =>
        Promise.all([
          runGates(hanging(), { testers: { countRedeemed: () => new Promise<number>(() => undefined) } }),
          runGates(hanging(), { testers: { countRedeemed: () => new Promise<number>(() => undefined) }, signal: caller.signal }),
        ]),
      );
      // Ended by their own 400 ms deadlines (the reason and summary below say so); a gate left without one
      // never ends, and this test meets jest's 10 s. The bound is loose on purpose: on a loaded CI machine a
      // full collection every 5 ms stretched a 1 s run to 3 s.
      expect(Date.now() - t0).toBeLessThan(6_000);
      for (const run of [plain, withSignal]) {
        expect(run.verdict).toBe('INCONCLUSIVE');
        expect(run.gates.map((g) => [g.state, g.reason, g.summary])).toEqual(
          Array(6).fill(['unknown', 'timeout', 'no answer within 400 ms']),
        );
      }
    },
    10_000,
  );

  it('a webhook to a silent receiver gives up by its budget', async () => {
    const t0 = Date.now();
    const result = await underGcPressure(() =>
      postWebhook(`${base}/api/webhooks/1/s3cr3t`, { content: 'x' }, { timeoutMs: 400, retries: 0 }),
    );
    expect(Date.now() - t0).toBeLessThan(6_000); // loose, as above: a receiver that holds the post for ever meets jest's timeout
    expect(result).toMatchObject({ ok: false, message: expect.stringContaining('timed out') });
  }, 10_000);

  it('withDeadline settles by its deadline even when the work ignores its signal, and clears its timer when the work wins', async () => {
    const t0 = Date.now();
    expect(await underGcPressure(() => withDeadline(200, () => new Promise<never>(() => undefined)))).toEqual({
      done: false,
      reason: 'deadline',
    });
    expect(Date.now() - t0).toBeLessThan(6_000); // loose, as above: the work itself never settles
    expect(await withDeadline(60_000, () => Promise.resolve(42))).toEqual({ done: true, value: 42 });
    await expect(withDeadline(60_000, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  }, 10_000);
});
