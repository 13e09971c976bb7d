import { expect } from '@jest/globals';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import type { Connection, CreateOutcome } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';

// A machine whose clock is off from the database server's (no NTP on a laptop, a VM resumed from sleep):
// libfaketime moves the clock of a child process only. PostgreSQL only: PGlite's clock is the process's own.
const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const postgres = testBackends().filter((backend) => backend.name === 'postgres');

function hasFaketime(): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v faketime'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** createInvites for one address in a child process whose clock is `offset` (libfaketime: "+2h", "-2h") off. */
async function createWithClock(url: string, offset: string, email: string): Promise<CreateOutcome> {
  const script = `import { createInvites, openDatabase } from '@veza/invites-db';
const conn = await openDatabase({ databaseUrl: process.argv[1] });
try { console.log(JSON.stringify(await createInvites(conn.db, [{ email: process.argv[2], cohort: 'skew' }]))); } finally { await conn.close(); }`;
  const args = [
    '-f',
    offset,
    process.execPath,
    '--conditions=@veza/source',
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
    url,
    email,
  ];
  const { stdout } = await run('faketime', args, { cwd: repoRoot, timeout: 60_000 });
  return (JSON.parse(stdout) as CreateOutcome[])[0]!;
}

describe.each(postgres)('existing invites judged by the database clock ($name)', (backend) => {
  let conn: Connection & { url?: string };
  beforeAll(async () => {
    if (!hasFaketime()) throw new Error('faketime is not installed: tools/ensure-system-tools.sh installs it (apt-get install faketime)');
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  const expiresIn = (email: string, interval: string) =>
    conn.db.execute(sql`UPDATE beta_invites SET expires_at = now() + ${interval}::interval WHERE email = ${email}`);

  it('an app clock ahead does not say "run cleanup" for an invite cleanup keeps, nor one behind "already has an invite" for an expired one', async () => {
    const [ahead, behind] = ['ahead@example.org', 'behind@example.org'];
    await createWithClock(conn.url!, '+0', ahead);
    await createWithClock(conn.url!, '+0', behind);
    await expiresIn(ahead, '1 hour'); // live for the database (and for cleanup, which asks it)
    await expiresIn(behind, '-1 hour'); // expired for the database (dispatch skips it)

    const fromAhead = await createWithClock(conn.url!, '+2h', ahead);
    expect(fromAhead).toMatchObject({ status: 'skipped', reason: 'this email already has an invite (not sent yet)' });
    const fromBehind = await createWithClock(conn.url!, '-2h', behind);
    expect(fromBehind).toMatchObject({ status: 'skipped', reason: expect.stringContaining('has an expired invite; run cleanup') });
  }, 120_000);
});
