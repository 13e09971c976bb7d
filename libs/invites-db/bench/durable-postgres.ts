// A second throwaway PostgreSQL with fsync on (tools/with-postgres.sh, PG_FSYNC=on),
// for the figures whose baseline is bound by commit durability: the bench
// harness's own server runs with fsync off, where a commit costs no flush.
import { startOwnPostgres } from '../__tests__/own-postgres.js';
import type { OwnPostgres } from '../__tests__/own-postgres.js';

export type DurablePostgres = OwnPostgres;

export function startDurablePostgres(): Promise<DurablePostgres> {
  return startOwnPostgres({ PG_FSYNC: 'on' });
}
