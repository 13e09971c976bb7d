import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createUser, inviteReport } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, SETTINGS, freshDatabaseEnv, openEnvDatabase } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

const COHORT = new URL('../../../libs/cohort-validator/testing/valid-cohort.csv', import.meta.url).pathname;
const CODE = /[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/g;

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-prepare-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

async function withUsers(env: NodeJS.ProcessEnv, emails: string[]) {
  const conn = await openEnvDatabase(env);
  try {
    for (const email of emails) await createUser(conn.db, email);
  } finally {
    await conn.close();
  }
}

async function invitedCount(env: NodeJS.ProcessEnv) {
  const conn = await openEnvDatabase(env);
  try {
    return (await inviteReport(conn.db)).total.invited;
  } finally {
    await conn.close();
  }
}

describe.each(testBackends())('invites prepare and send on $name', (backend) => {
  it('writes nothing when a setting is missing, the CSV blocks, or warnings are not accepted', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const noSettings = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out'], { cwd, env });
    expect(noSettings.code).toBe(1);
    expect(noSettings.stderr).toContain('FEEDBACK_URL');

    writeFileSync(join(cwd, 'bad.csv'), 'email,cohort\nana@example.org,creators\nnot-an-email,creators\n');
    const blocked = await runVezaBeta(['invites', 'prepare', 'bad.csv', '--out', 'out'], { cwd, env: { ...env, ...SETTINGS } });
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('bad.csv:3');
    expect(blocked.stderr).toContain('Nothing was written.');

    writeFileSync(join(cwd, 'small.csv'), 'email,cohort\nana@example.org,creators\n');
    const warned = await runVezaBeta(['invites', 'prepare', 'small.csv', '--out', 'out'], { cwd, env: { ...env, ...SETTINGS } });
    expect(warned.code).toBe(2);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    expect(await invitedCount(env)).toBe(0);

    const forced = await runVezaBeta(['invites', 'prepare', 'small.csv', '--out', 'out', '--no-screenshot'], { cwd, env: { ...env, ...SETTINGS, FORCE: '1' } });
    expect(forced.code).toBe(0);
    expect(await invitedCount(env)).toBe(1);
  });

  it('renders one private .eml per invite, writes failed.csv that retries exactly the failed rows, and reruns create nothing twice', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
    await withUsers(env, ['ops@veza.fr']);
    const first = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out', '--no-screenshot', '--json'], { cwd, env });
    expect(first.code).toBe(1); // rows sent by claire.roux@veza.fr: no such user yet
    const result = JSON.parse(first.stdout);
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.failed.every((f: { reason: string }) => f.reason.startsWith('sent_by matches no user'))).toBe(true);
    expect(result.created.length + result.failed.length).toBe(60);

    const out = join(cwd, 'out');
    const emls = readdirSync(out).filter((f) => f.endsWith('.eml'));
    expect(emls).toHaveLength(result.created.length);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, emls[0]!)).mode & 0o777).toBe(0o600);

    const mail = await simpleParser(readFileSync(join(out, emls[0]!)));
    const manifestEntry = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).invites.find((i: { file: string }) => i.file === emls[0]);
    expect(mail.to).toMatchObject({ value: [expect.objectContaining({ address: manifestEntry.email })] });
    const code = mail.text?.match(CODE)?.[0];
    expect(code).toBeDefined();
    expect(mail.text).toContain(`https://beta.veza.fr/signup?invite=${code}`);

    const codes = emls.map((f) => readFileSync(join(out, f), 'latin1')).join('\n');
    const secrets = new Set([...(await Promise.all(emls.map(async (f) => (await simpleParser(readFileSync(join(out, f)))).text?.match(CODE)?.[0])))]);
    expect(secrets.size).toBe(emls.length);
    expect(codes.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(readFileSync(join(out, 'manifest.json'), 'utf8')).not.toContain(secret!);
      expect(first.stdout + first.stderr).not.toContain(secret!);
    }

    const failedCsv = readFileSync(join(out, 'failed.csv'), 'utf8');
    expect(failedCsv.split('\n')[0]).toBe('email,cohort,sent_by,role,name,reason');
    expect(failedCsv.trim().split('\n')).toHaveLength(result.failed.length + 1);

    await withUsers(env, ['claire.roux@veza.fr']);
    const retry = await runVezaBeta(['invites', 'prepare', join(out, 'failed.csv'), '--out', 'out', '--no-screenshot', '--json', '--force'], { cwd, env });
    expect(retry.stderr).not.toContain('Blocking'); // the few-rows warnings are shown, and accepted with --force
    expect(retry.code).toBe(0);
    expect(JSON.parse(retry.stdout).created).toHaveLength(result.failed.length);
    expect(existsSync(join(out, 'failed.csv'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).invites).toHaveLength(60);

    const again = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out', '--no-screenshot', '--json'], { cwd, env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: [], failed: [] });
    expect(JSON.parse(again.stdout).skipped).toHaveLength(60);
    expect(await invitedCount(env)).toBe(60);
  });

  it('send prepares only, unless SEND=1, which dispatches the folder too', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') };
    writeFileSync(join(cwd, 'me.csv'), 'ops@veza.fr,test-cohort,\n');
    const dry = await runVezaBeta(['invites', 'send', 'me.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('SEND is not 1: nothing was sent.');
    expect(existsSync(join(cwd, 'sent.log'))).toBe(false);
    const send = await runVezaBeta(['invites', 'send', 'me.csv', '--out', 'out', '--no-screenshot'], { cwd, env: { ...env, SEND: '1' } });
    expect(send.code).toBe(0);
    expect(send.stdout).toContain('1 sent now');
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8')).toBe('ops@veza.fr\n');
  });
});
