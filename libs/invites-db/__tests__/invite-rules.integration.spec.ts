import { INVITE_LIMITS, ROLES } from '@veza/invite-rules';
import { createInvites } from '../src/index.js';
import type { Connection } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

/**
 * The database's CHECK constraints and @veza/invite-rules state the same
 * limits: the rules refuse a row first, with a reason, and the constraint is
 * the backstop for writers that skip them.
 */
describe.each(testBackends())('the invite rules and the database agree, on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  const insert = (email: string, cohort: string, name: string | null, role: string | null) =>
    conn.rawTransaction((tx) =>
      tx.query(`INSERT INTO beta_invites (code_digest, email, cohort, name, role) VALUES ($1, $2, $3, $4, $5)`, [
        'a'.repeat(64),
        email,
        cohort,
        name,
        role,
      ]),
    );

  it.each([
    ['an 80-character cohort', 'c'.repeat(80), null, 'cohort'],
    ['a cohort one over the limit', 'c'.repeat(INVITE_LIMITS.cohortLength + 1), null, 'cohort'],
    ['a name one over the limit', 'fans', 'n'.repeat(INVITE_LIMITS.nameLength + 1), 'name'],
  ])('%s: refused by the rules before the database, and by the database itself', async (_what, cohort, name, field) => {
    const [outcome] = await createInvites(conn.db, [{ email: 'ana@example.org', cohort, name }]);
    expect(outcome).toMatchObject({ status: 'failed', field });
    await expect(insert('ana@example.org', cohort, name, null)).rejects.toThrow(new RegExp(`beta_invites_${field}_check`));
  });

  it('accepts values exactly at the limits, and every role', async () => {
    const local = 'l'.repeat(INVITE_LIMITS.localPartLength);
    const email = `${local}@${'d'.repeat(60)}.${'d'.repeat(60)}.${'d'.repeat(INVITE_LIMITS.emailLength - local.length - 1 - 126)}.org`;
    expect(email).toHaveLength(INVITE_LIMITS.emailLength);
    const rows = ROLES.map((role, i) => ({
      email: `${i}${email.slice(1)}`,
      cohort: 'c'.repeat(INVITE_LIMITS.cohortLength),
      name: 'n'.repeat(INVITE_LIMITS.nameLength),
      role,
    }));
    expect((await createInvites(conn.db, rows)).map((o) => o.status)).toEqual(['created', 'created']);
  });
});
