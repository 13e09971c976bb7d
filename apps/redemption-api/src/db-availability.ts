/**
 * Driver errors that mean "the database is not available right now" rather
 * than "this request is wrong": connection exceptions (SQLSTATE class 08),
 * operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
 * cannot connect now — "the database system is shutting down", 57P04, 57P05),
 * the socket-level errors of postgres.js, and a closed PGlite; and a
 * database too busy to answer: insufficient resources (class 53: 53300 "too
 * many connections", a role's CONNECTION LIMIT or max_connections reached
 * while the pool opens one more), a statement cut by statement_timeout or
 * a cancel (57014), a lock not granted in time (55P03). Those were answered
 * 500 INTERNAL, as if the request had hit a bug. They are answered 503
 * DATABASE_UNAVAILABLE with Retry-After; postgres.js reconnects by itself on
 * the next query, so the API recovers when the database returns.
 */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'DATABASE_DEADLINE', // db-deadline.ts: no answer within the API's own deadline
]);

/** Insufficient resources (class 53), query canceled (57014, statement_timeout), lock not available (55P03). */
const BUSY = /^(53[0-9A-Z]{3}|57014|55P03)$/;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (SOCKET_ERRORS.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P[0-9A-Z]{2}$/.test(code) || BUSY.test(code))
    )
      return true;
    if (e instanceof Error && /PGlite is closed|Connection terminated/i.test(e.message)) return true;
  }
  return false;
}
