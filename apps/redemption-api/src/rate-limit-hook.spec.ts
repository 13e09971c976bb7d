import { describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { LocalCounter } from './local-rate-limit-store.js';
import { rateLimitHook } from './rate-limit-hook.js';
import type { Counted } from './rate-limit-hook.js';

async function appWith(counter: { hit(key: string): Counted | Promise<Counted> }, max: number) {
  // trustProxy: each test client names itself in X-Forwarded-For (the key is req.ip)
  const app = Fastify({ logger: false, trustProxy: true });
  app.addHook('onRequest', rateLimitHook(counter, max));
  app.setErrorHandler((error: Error & { code?: string; headers?: Record<string, string> }, _req, reply) =>
    reply
      .code(429)
      .headers(error.headers ?? {})
      .send({ code: error.code, message: error.message }),
  );
  app.get('/', (_req, reply) => reply.send({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const get = async (client = '192.0.2.1') => {
    const res = await fetch(`http://127.0.0.1:${address.port}/`, { headers: { 'x-forwarded-for': client } });
    return {
      status: res.status,
      headers: Object.fromEntries(
        ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'].map((h) => [h, res.headers.get(h)]),
      ),
      body: (await res.json()) as Record<string, unknown>,
    };
  };
  return { get, close: () => app.close() };
}

describe('rateLimitHook', () => {
  it('admits max requests per client and window, then answers RATE_LIMITED with Retry-After; x-ratelimit-* on every answer', async () => {
    const now = 15_000; // 45 s left in the minute
    const app = await appWith(new LocalCounter(60_000, () => now), 2);
    const first = await app.get();
    expect(first.status).toBe(200);
    expect(first.headers).toMatchObject({ 'x-ratelimit-limit': '2', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '45' });
    expect((await app.get()).headers['x-ratelimit-remaining']).toBe('0');
    const limited = await app.get();
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({ 'retry-after': '45', 'x-ratelimit-remaining': '0' });
    expect(limited.body).toEqual({ code: 'RATE_LIMITED', message: 'Too many requests; try again in 45 seconds.' });
    // another client has its own bucket
    expect((await app.get('192.0.2.2')).status).toBe(200);
    await app.close();
  });

  it('waits for a counter that answers with a promise (a shared bucket settling), and passes its failure on', async () => {
    let calls = 0;
    const app = await appWith(
      {
        hit: () => (++calls === 1 ? Promise.resolve({ current: 2, ttl: 1_000 }) : Promise.reject(new Error('settle failed'))),
      },
      1,
    );
    const limited = await app.get();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body.message).toBe('Too many requests; try again in 1 second.');
    expect((await app.get()).body.message).toBe('settle failed');
    await app.close();
  });
});
