// The backend's own Jest, in ESM mode (node --experimental-vm-modules, no transform), as the READMEs say to
// run it; jest's globals (test, expect), as a backend's tests use them.
import { createInvites, formatCode, InvitesDbError, lookupInvite, openDatabase, openOptionsFromEnv, runMigrations } from '@veza/invites-db';
import { SettingsInvalidError } from '@veza/settings';

test('the packages load and work under the backend jest', async () => {
  const conn = await openDatabase({ dataDir: 'memory://' });
  try {
    await runMigrations(conn);
    const [outcome] = await createInvites(conn.db, [{ email: 'jest@example.org', cohort: 'fans' }]);
    if (outcome?.status !== 'created') throw new Error('expected a new invite');
    expect((await lookupInvite(conn.db, formatCode(outcome.code))).state).toBe('valid');
    await expect(lookupInvite(conn.db, 'not a code')).rejects.toBeInstanceOf(InvitesDbError);
    expect(() => openOptionsFromEnv({ DATABASE_URL: 'mysql://db/veza' })).toThrow(SettingsInvalidError);
  } finally {
    await conn.close();
  }
}, 120_000);
