/** What to do about a database refusal the libraries pass through with its SQLSTATE. */
export const SQLSTATE_HINTS: Record<string, string> = {
  '42501':
    "the role in DATABASE_URL lacks a privilege on that object: grant it as the owner (docs/OPERATOR_GUIDE.md, 'Database roles, TLS, poolers' lists what the app role needs)",
  '25006': 'the session is read-only (a standby, or default_transaction_read_only): point DATABASE_URL at the primary',
  // lock_not_available: a statement waited longer than its lock_timeout (DATABASE_STALL_TIMEOUT) for another session's lock
  '55P03':
    'another session held the rows or table this command changes for longer than DATABASE_STALL_TIMEOUT (default 30 s): another veza-beta command (a prepare, a db migrate), the API, or a psql session left inside a transaction (see pg_stat_activity). That statement changed nothing; run the command again once the other session has ended.',
  // disk_full, and the other 53xxx: the database's own disk or memory, not the out folder that prepare names
  '53100':
    "the database's disk is full (PostgreSQL's data directory; for the embedded database, VEZA_DATA_DIR or .veza/ of the working directory): free space there, then run the command again",
  '53200': 'the database server is out of memory: free memory on its machine, then run the command again',
};
