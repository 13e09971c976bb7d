import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inviteReport } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { freePort, startRedemptionApi } from '../src/demo/redemption-api-process.js';
import { FAKE_SENDMAIL, SETTINGS, freshDatabaseEnv, openEnvDatabase } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

const COHORT = fileURLToPath(new URL('../demo/sample-cohort.csv', import.meta.url));
const postgres = testBackends().find((b) => b.name === 'postgres');

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-preflight-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

interface Item {
  section: string;
  title: string;
  status: string;
  detail: string;
  fix?: string;
}

it('on a database that is not migrated, with nothing configured: exit 1, every problem named with its fix', async () => {
  const run = await runVezaBeta(['preflight', '--json'], { cwd });
  expect(run.code).toBe(1);
  const { items } = JSON.parse(run.stdout) as { items: Item[] };
  const byTitle = (t: string) => items.find((i) => i.title.startsWith(t));
  expect(byTitle('migrations/990_beta_invites.sql applied')).toMatchObject({ status: 'fail', fix: 'run: veza-beta db migrate' });
  expect(byTitle('Cohort CSV valid')).toMatchObject({ status: 'skipped', fix: 'pass --cohort FILE' });
  expect(byTitle('Email template renders')).toMatchObject({ status: 'fail' });
  expect(byTitle('Email template renders')?.detail).toContain('FEEDBACK_URL');
  expect(byTitle('Redemption path')).toMatchObject({ status: 'skipped' });
  expect(items.filter((i) => i.status === 'manual').length).toBeGreaterThan(5);
});

(postgres ? it : it.skip)('on staging-like PostgreSQL with the API up: every automatable item green, test data cleaned up (exit 0)', async () => {
  const env: NodeJS.ProcessEnv = { ...(await freshDatabaseEnv(postgres!, cwd)), ...SETTINGS, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log'), BACKUP_CHECK_CMD: 'echo full backup 3h ago' };
  const api = await startRedemptionApi(await freePort(), { PATH: process.env['PATH'], DATABASE_URL: env['DATABASE_URL'] });
  try {
    const run = await runVezaBeta(['preflight', '--cohort', COHORT, '--api-url', api.url, '--send-test-to', 'ops@veza.fr', '--expect-empty', '--markdown'], { cwd, env });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('- [x] **A fresh code is valid**');
    expect(run.stdout).toContain('- [x] **The same code twice is refused**: 409 INVITE_USED');
    expect(run.stdout).toContain('- [x] **An expired code is refused with "expired"**: 410 INVITE_EXPIRED');
    expect(run.stdout).toContain('- [x] **An invalid code is refused with a clear error**');
    expect(run.stdout).toContain('- [x] **Backup fresh (< 24 h)**: BACKUP_CHECK_CMD exited 0: full backup 3h ago');
    expect(run.stdout).toContain("- [x] **Test send to the operator's own address**: sent to ops@veza.fr");
    expect(run.stdout).not.toMatch(/❌|⏭️/);
    expect(run.code).toBe(0);
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8')).toBe('ops@veza.fr\n');
  } finally {
    await api.stop();
  }
  const conn = await openEnvDatabase(env);
  try {
    expect((await inviteReport(conn.db)).total.invited).toBe(0); // preflight removed its test invites
  } finally {
    await conn.close();
  }
});
