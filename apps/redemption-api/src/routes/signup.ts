import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const publicDir = new URL('../../public/', import.meta.url);

/**
 * GET /signup?invite=CODE: the signup form, same origin as the API, so it
 * needs no CORS. Strict CSP (no inline script) and no referrer, so the code in
 * the address bar never leaves for another site.
 */
export async function signupRoutes(app: FastifyInstance): Promise<void> {
  const html = readFileSync(new URL('signup.html', publicDir), 'utf8');
  const js = readFileSync(new URL('signup.js', publicDir), 'utf8');
  const headers = {
    'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
  app.get('/signup', async (_req, reply) => reply.headers(headers).type('text/html; charset=utf-8').send(html));
  app.get('/signup.js', async (_req, reply) => reply.headers(headers).type('text/javascript; charset=utf-8').send(js));
}
