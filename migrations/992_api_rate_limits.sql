-- Rate-limit counters shared by every redemption-api replica on one PostgreSQL
-- (the embedded database keeps them in memory: one process only). One row per
-- client bucket and fixed one-minute window; replicas add their hits in
-- batches and read back the total. Rows older than the previous window are
-- purged by the API. No personal data beyond the client's address.
CREATE TABLE IF NOT EXISTS api_rate_limits (
  bucket text NOT NULL,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL CHECK (hits >= 0),
  PRIMARY KEY (bucket, window_start)
);
