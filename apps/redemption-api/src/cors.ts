/**
 * CORS for the origins in CORS_ORIGINS, answering as @fastify/cors did here
 * (an origin list, methods GET and POST, the Content-Type and Authorization
 * headers, a 10-minute preflight cache), at a fraction of its cost: the plugin
 * copied its options, built two closures and parsed the Vary header on every
 * request, about 40 µs of a lookup's 190 (docs/BENCHMARKS.md, the lookup
 * breakdown).
 *
 * - Every answer says `Vary: Origin` (it depends on the Origin header).
 * - An allowed Origin is echoed in Access-Control-Allow-Origin; any other gets
 *   no grant at all (the browser then refuses the answer to the page).
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 *   answered 204 with the methods, headers and max-age, on any path, before
 *   any rate limit or token check: the browser sends no credentials with it.
 *   It is answered in the route's onRequest hook, as the plugin did in its
 *   own: before any body is read (one the parser refuses, or one that never
 *   ends, changed a 204 into a 415, a 400 or a wait).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CORS_PREFLIGHT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'Content-Type, Authorization',
  'access-control-max-age': '600',
});

/**
 * Whether an OPTIONS request is a CORS preflight (the two headers every browser sends with one). A blank one
 * counts as missing, as in @fastify/cors's strictPreflight (`Origin:` alone was a 400, not a 204).
 */
export function isCorsPreflight(req: FastifyRequest): boolean {
  return Boolean(req.headers.origin) && Boolean(req.headers['access-control-request-method']);
}

/** Sets the CORS headers of one answer (called from the server's onSend hook, which every answer passes). */
export function corsHeaders(origins: readonly string[]): (req: FastifyRequest, reply: FastifyReply) => void {
  const allowed = new Set(origins);
  return (req, reply) => {
    const vary = reply.getHeader('vary');
    if (vary === undefined) void reply.header('vary', 'Origin');
    else if (!/(^|,)\s*(origin|\*)\s*(,|$)/i.test(String(vary))) void reply.header('vary', `${String(vary)}, Origin`);
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) void reply.header('access-control-allow-origin', origin);
  };
}

/**
 * The preflight route: OPTIONS on any path, answered 204 with CORS_PREFLIGHT_HEADERS when it is a
 * preflight, else by `refuse` (the server's one error shape). Answered in the route's onRequest hook,
 * before any body is read, as @fastify/cors did: from the handler, a body the parser refused
 * (text/plain, broken JSON) turned the 204 into a 415 or a 400, and one that never ended into a wait.
 * The server and the api bench's CORS piece both register it, so the bench measures what is served.
 */
export function registerCorsPreflight(app: FastifyInstance, refuse: (reply: FastifyReply) => FastifyReply): void {
  const answer = (req: FastifyRequest, reply: FastifyReply): FastifyReply =>
    isCorsPreflight(req) ? reply.code(204).headers(CORS_PREFLIGHT_HEADERS).header('content-length', '0').send() : refuse(reply);
  // a callback-style hook that answers and never calls done: the handler is not reached
  app.options('*', { onRequest: (req, reply, _done) => void answer(req, reply) }, answer);
}
