/**
 * Driver errors that mean "the database is not available right now" rather
 * than "this request is wrong": connection exceptions (SQLSTATE class 08),
 * operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
 * cannot connect now — "the database system is shutting down", 57P04, 57P05),
 * a statement cancelled (57014: the API's own statement_timeout, reached when
 * a lock is held longer — a migration's ALTER TABLE, a long transaction),
 * a lock not obtained in time (55P03), a session that may not write (25006:
 * a hot standby after a failover, default_transaction_read_only; the redeem
 * answered 500 INTERNAL, logged as a bug), insufficient resources (class 53: too
 * many connections, a full disk, out of memory),
 * the socket-level errors of postgres.js, and a closed PGlite. They are
 * answered 503 DATABASE_UNAVAILABLE with Retry-After; postgres.js reconnects
 * by itself on the next query, so the API recovers when the database returns.
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

/** 57014 query_canceled (statement_timeout), 55P03 lock_not_available, 25006 read_only_sql_transaction. */
const TRANSIENT_STATES = new Set(['57014', '55P03', '25006']);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (SOCKET_ERRORS.has(code) || TRANSIENT_STATES.has(code) || /^(08|53)[0-9A-Z]{3}$|^57P[0-9A-Z]{2}$/.test(code))
    )
      return true;
    if (e instanceof Error && /PGlite is closed|Connection terminated/i.test(e.message)) return true;
  }
  return false;
}
