import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { clientKey } from './client-key.js';
import { ApiError } from './errors.js';

/** A client's count in the current window and the milliseconds until it ends: LocalCounter and SharedCounter both answer this. */
export interface Counted {
  current: number;
  ttl: number;
}

export interface RateCounter {
  /** synchronous on the hot path; a promise only when the hit makes a shared bucket settle with the database */
  hit(key: string): Counted | Promise<Counted>;
}

/**
 * The `onRequest` hook that limits each client (keyed on `clientKey(req.ip)`, so on the
 * TRUST_PROXY rules; an IPv6 client by its /64) to `max` requests per window of `counter`.
 *
 * Our own, callback style, in place of @fastify/rate-limit's `async` hook:
 * that one allocated two promises per request (its hook and the store call)
 * even when the store answers synchronously. Same answers as it gave:
 * `x-ratelimit-limit`, `-remaining`, `-reset` (seconds) on every response,
 * and over the limit 429 RATE_LIMITED with `Retry-After` (seconds).
 */
export function rateLimitHook(counter: RateCounter, max: number) {
  const limit = String(max);
  const verdict = (reply: FastifyReply, counted: Counted): ApiError | undefined => {
    const seconds = Math.ceil(counted.ttl / 1000);
    reply.header('x-ratelimit-limit', limit);
    reply.header('x-ratelimit-remaining', Math.max(0, max - counted.current));
    reply.header('x-ratelimit-reset', seconds);
    if (counted.current <= max) return undefined;
    return new ApiError('RATE_LIMITED', `Too many requests; try again in ${seconds} ${seconds === 1 ? 'second' : 'seconds'}.`, {
      'retry-after': String(seconds),
    });
  };
  return function rateLimit(req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const counted = counter.hit(clientKey(req.ip));
    if (!(counted instanceof Promise)) return done(verdict(reply, counted));
    counted.then(
      (result) => done(verdict(reply, result)),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  };
}
