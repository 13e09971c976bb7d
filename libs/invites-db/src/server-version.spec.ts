/**
 * The oldest PostgreSQL the migrations and queries run on is 13: on 12 the
 * first migration failed ("function gen_random_uuid() does not exist", exit 1)
 * and told nothing of the version. runMigrations now refuses an older server
 * before applying anything (INVITES_DB_SERVER_TOO_OLD; the CLI: exit 3). Run
 * by hand against PostgreSQL 12 to 18 (docs/DECISIONS.md, twenty-first round).
 */
import { describe, expect, it } from '@jest/globals';
import { INVITES_DB_ERROR_CODES, ServerTooOldError } from './errors.js';
import { MIN_POSTGRES_MAJOR, serverTooOld } from './migrate.js';

describe('the oldest PostgreSQL veza-beta runs on', () => {
  it('is 13', () => {
    expect(MIN_POSTGRES_MAJOR).toBe(13);
  });

  it('refuses 12.22 (server_version_num 120022), naming the version and the minimum', () => {
    const refused = serverTooOld('postgres://u@db/x', 120022, '12.22');
    expect(refused).toBeInstanceOf(ServerTooOldError);
    expect(refused?.code).toBe('INVITES_DB_SERVER_TOO_OLD');
    expect(refused?.message).toBe(
      'the database at postgres://u@db/x runs PostgreSQL 12.22; veza-beta needs PostgreSQL 13 or later: upgrade the server (or point DATABASE_URL at one that is); nothing was applied',
    );
    expect(INVITES_DB_ERROR_CODES).toContain('INVITES_DB_SERVER_TOO_OLD');
  });

  it('takes 13.0 and every later major, 18 as PGlite 0.5 runs it', () => {
    for (const [num, text] of [
      [130000, '13.0'],
      [140023, '14.23'],
      [150018, '15.18 (Debian 15.18-0+deb12u1)'],
      [180004, '18.4'],
    ] as const)
      expect(serverTooOld('the database', num, text)).toBeNull();
  });
});
