import { expect } from '@jest/globals';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inviteReport } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, SETTINGS, freshDatabaseEnv, lines, openEnvDatabase, preparedFolder } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// Another user who can add names to the folder veza-beta writes into can plant a symbolic link where it
// writes a file: manifest.json's draft was truncated and written through it (as root, any file: /etc/shadow),
// dispatch.log appended to whatever it pointed at. Such folders are refused before anything is written.

const backend = testBackends().find((b) => b.name === 'pglite') ?? testBackends()[0]!;
const isRoot = process.getuid?.() === 0;
const VICTIM_TEXT = 'root:precious:19000::::::\n';

let cwd: string;
let victim: string;
let COHORT: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-open-folders-'));
  victim = join(cwd, 'victim');
  writeFileSync(victim, VICTIM_TEXT, { mode: 0o600 });
  COHORT = join(cwd, 'cohort.csv');
  writeFileSync(COHORT, 'email,cohort,role,name\nana@example.org,listeners,listener,Ana\nbob@example.org,creators,creator,Bob\n');
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function invited(env: NodeJS.ProcessEnv): Promise<number> {
  const conn = await openEnvDatabase(env);
  try {
    return (await inviteReport(conn.db)).total.invited;
  } finally {
    await conn.close();
  }
}

/** A folder anyone may add names to, with links planted where prepare and dispatch write. */
function plantedFolder(name: string): string {
  const dir = join(cwd, name);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  symlinkSync(victim, join(dir, '.manifest.json.tmp'));
  symlinkSync(victim, join(dir, 'dispatch.log'));
  return dir;
}

describe(`output folders others can write into, on ${backend.name}`, () => {
  it('prepare refuses a folder every user can write into: exit 1, the folder and chmod named, nothing created, the linked file untouched', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    const out = plantedFolder('out-shared');
    const run = await runVezaBeta(['invites', 'prepare', COHORT, '--out', out], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${out} can be written by every user (mode 0777)`);
    expect(run.stderr).toContain(`chmod o-w ${out}`);
    expect(run.stderr).toContain('Nothing was written.');
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(readdirSync(out).filter((f) => f.endsWith('.eml'))).toEqual([]);
    expect(await invited(env)).toBe(0);

    chmodSync(out, 0o755); // the owner's own folder, closed to others: prepared as usual
    rmSync(join(out, '.manifest.json.tmp'));
    const ok = await runVezaBeta(['invites', 'prepare', COHORT, '--out', out], { cwd, env });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(await invited(env)).toBe(2);
  });

  (isRoot ? it : it.skip)('prepare refuses a folder another user owns (as root: its owner could aim a write anywhere)', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    const out = plantedFolder('out-theirs');
    chmodSync(out, 0o755);
    chownSync(out, 65534, 65534);
    const run = await runVezaBeta(['invites', 'prepare', COHORT, '--out', out], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${out} belongs to another user (uid 65534; veza-beta runs as uid 0)`);
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(await invited(env)).toBe(0);
  });

  it("dispatch refuses a prepared folder every user can write into: exit 1, nothing claimed or sent, dispatch.log's target untouched", async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') };
    const out = join(cwd, 'out-prepared');
    await preparedFolder(env, out, ['ana@example.org', 'bob@example.org']);
    chmodSync(out, 0o777);
    symlinkSync(victim, join(out, 'dispatch.log'));
    const run = await runVezaBeta(['invites', 'dispatch', out], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${out} can be written by every user`);
    expect(run.stderr).toContain('Nothing was sent.');
    expect(readFileSync(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(lines(join(cwd, 'sent.log'))).toEqual([]);
    expect(existsSync(join(cwd, 'sent.log'))).toBe(false);
  });
});
