import { expect } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { createUser, inviteReport, setInviteExpiry } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import type { TestBackend } from '@veza/invites-db/testing';
import {
  FAKE_SENDMAIL,
  SETTINGS,
  ctrlCDuringHeldSend,
  emails,
  freshDatabaseEnv,
  heldSend,
  jsonOutput,
  lines,
  openEnvDatabase,
  readManifest,
} from './fixtures.js';
import type { PrepareSummary } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';
import { canMountTmpfs, childEnv, ctrlC, mountTmpfs, startLaunched } from '@veza/test-support';

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

/** The examples of a command's --help: each command line (its words, rejoined across yargs' wrapped lines) and what it does. */
function helpExamples(help: string): { command: string[]; what: string }[] {
  const examples: { command: string[]; what: string }[] = [];
  for (const line of help.slice(help.indexOf('Examples:')).split('\n').slice(1)) {
    if (!line.startsWith('  ')) break;
    // the command column starts at the third character; a line of the description alone, further right
    const cells = line.trim().split(/\s{2,}/);
    const [left = '', ...right] = /^ {2}\S/.test(line) ? cells : ['', ...cells];
    if (left.startsWith('veza-beta ')) examples.push({ command: [], what: '' });
    const example = examples.at(-1);
    if (!example) continue;
    example.command.push(...left.split(' ').filter(Boolean));
    example.what = [example.what, ...right].filter(Boolean).join(' ');
  }
  return examples;
}

async function invitedCount(env: NodeJS.ProcessEnv) {
  const conn = await openEnvDatabase(env);
  try {
    return (await inviteReport(conn.db)).total.invited;
  } finally {
    await conn.close();
  }
}

/** A fresh database with the email settings, FORCE=1, and the fake mailer appending each recipient to sent.log. */
async function sendingEnv(backend: TestBackend): Promise<NodeJS.ProcessEnv> {
  return { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') };
}

describe.each(testBackends())('invites prepare and send on $name', (backend) => {
  it('writes nothing when a setting is missing, the CSV blocks, or warnings are not accepted', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const noSettings = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out'], { cwd, env });
    expect(noSettings.code).toBe(3);
    expect(noSettings.stderr).toContain('FEEDBACK_URL is required');

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

    const forced = await runVezaBeta(['invites', 'prepare', 'small.csv', '--out', 'out', '--no-screenshot'], {
      cwd,
      env: { ...env, ...SETTINGS, FORCE: '1' },
    });
    expect(forced.code).toBe(0);
    expect(await invitedCount(env)).toBe(1);
  });

  it("--help's example that retries failed.csv runs as written: it prepares the rows (it lacked --force, and a failed.csv is below the thresholds: exit 2, nothing written)", async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
    writeFileSync(join(cwd, 'cohort.csv'), 'email,cohort,sent_by\nana@example.org,creators,\nbob@example.org,creators,lea@veza.fr\n');
    const first = await runVezaBeta(['invites', 'prepare', 'cohort.csv', '--out', 'out-2026-11-23', '--force', '--no-screenshot'], {
      cwd,
      env,
    });
    expect(first.code).toBe(1);
    expect(existsSync(join(cwd, 'out-2026-11-23', 'failed.csv'))).toBe(true);
    await withUsers(env, ['lea@veza.fr']);

    const help = await runVezaBeta(['invites', 'prepare', '--help'], { cwd, env });
    const retry = helpExamples(help.stdout).find((e) => e.what === 'Retry exactly the rows that failed');
    expect(retry?.command.slice(0, 3)).toEqual(['veza-beta', 'invites', 'prepare']);
    const run = await runVezaBeta([...retry!.command.slice(1), '--no-screenshot'], { cwd, env });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('prepared out-2026-11-23: 1 email(s) rendered, 0 skipped, 0 failed.');
    expect(existsSync(join(cwd, 'out-2026-11-23', 'failed.csv'))).toBe(false);
    expect(await invitedCount(env)).toBe(2);
  });

  it('renders one private .eml per invite, writes failed.csv that retries exactly the failed rows, and reruns create nothing twice', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
    await withUsers(env, ['ops@veza.fr']);
    const first = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out', '--no-screenshot', '--json'], { cwd, env });
    expect(first.code).toBe(1); // rows sent by claire.roux@veza.fr: no such user yet
    const result = jsonOutput<PrepareSummary>(first.stdout);
    expect(result.failed.length).toBeGreaterThan(0);
    expect(result.failed.every((f) => f.reason.startsWith('sent_by matches no user'))).toBe(true);
    expect(result.created.length + result.failed.length).toBe(60);

    const out = join(cwd, 'out');
    const emls = readdirSync(out).filter((f) => f.endsWith('.eml'));
    expect(emls).toHaveLength(result.created.length);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, emls[0]!)).mode & 0o777).toBe(0o600);

    const mail = await simpleParser(readFileSync(join(out, emls[0]!)));
    const manifestEntry = readManifest(out).invites.find((i) => i.file === emls[0]);
    expect(mail.to).toMatchObject({ value: [expect.objectContaining({ address: manifestEntry!.email })] });
    const code = mail.text?.match(CODE)?.[0];
    expect(code).toBeDefined();
    expect(mail.text).toContain(`https://beta.veza.fr/signup?invite=${code}`);

    const codes = emls.map((f) => readFileSync(join(out, f), 'latin1')).join('\n');
    const secrets = new Set([
      ...(await Promise.all(emls.map(async (f) => (await simpleParser(readFileSync(join(out, f)))).text?.match(CODE)?.[0]))),
    ]);
    expect(secrets.size).toBe(emls.length);
    expect(codes.length).toBeGreaterThan(0);
    // the preview (what gets pasted into a chat for review) shows a specimen code, in the text and the link
    const previewDir = join(out, 'preview', 'emails');
    const preview = readdirSync(previewDir).map((f) => readFileSync(join(previewDir, f), 'utf8'));
    expect(preview).toHaveLength(Math.min(50, emls.length));
    expect(preview.every((html) => html.includes('XXXX-XXXX-XXXX-XXXX') && html.includes('signup?invite=XXXX-XXXX-XXXX-XXXX'))).toBe(true);
    for (const secret of secrets) {
      expect(readFileSync(join(out, 'manifest.json'), 'utf8')).not.toContain(secret!);
      expect(first.stdout + first.stderr).not.toContain(secret!);
      for (const html of preview) expect(html).not.toContain(secret!);
    }

    const failedCsv = readFileSync(join(out, 'failed.csv'), 'utf8');
    expect(failedCsv.split('\n')[0]).toBe('email,cohort,sent_by,role,name,reason');
    expect(failedCsv.trim().split('\n')).toHaveLength(result.failed.length + 1);

    await withUsers(env, ['claire.roux@veza.fr']);
    const retry = await runVezaBeta(
      ['invites', 'prepare', join(out, 'failed.csv'), '--out', 'out', '--no-screenshot', '--json', '--force'],
      { cwd, env },
    );
    expect(retry.stderr).not.toContain('Blocking'); // the few-rows warnings are shown, and accepted with --force
    expect(retry.code).toBe(0);
    expect(jsonOutput<PrepareSummary>(retry.stdout).created).toHaveLength(result.failed.length);
    expect(existsSync(join(out, 'failed.csv'))).toBe(false);
    expect(readManifest(out).invites).toHaveLength(60);

    const again = await runVezaBeta(['invites', 'prepare', COHORT, '--out', 'out', '--no-screenshot', '--json'], { cwd, env });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ created: [], failed: [] });
    expect(jsonOutput<PrepareSummary>(again.stdout).skipped).toHaveLength(60);
    expect(await invitedCount(env)).toBe(60);
  });

  it('send prepares only, unless SEND=1, which dispatches the folder too', async () => {
    const env = await sendingEnv(backend);
    writeFileSync(join(cwd, 'me.csv'), 'ops@veza.fr,test-cohort,\n');
    const dry = await runVezaBeta(['invites', 'send', 'me.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('SEND is not 1: nothing was sent.');
    expect(existsSync(join(cwd, 'sent.log'))).toBe(false);
    const send = await runVezaBeta(['invites', 'send', 'me.csv', '--out', 'out', '--no-screenshot'], { cwd, env: { ...env, SEND: '1' } });
    expect(send.code).toBe(0);
    expect(send.stdout).toContain('1 sent now');
    expect(send.stdout).not.toContain('Review the emails, then'); // it was just dispatched: no dispatch command to suggest
    // the row prepared by the first run is counted as to be sent, not listed as "skipped" as if it were left out
    expect(send.stdout).toContain('1 row(s) prepared before and not sent yet: see the dispatch below');
    expect(send.stdout).not.toContain('skipped  line');
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8')).toBe('ops@veza.fr\n');
    const again = await runVezaBeta(['invites', 'send', 'me.csv', '--out', 'out', '--no-screenshot'], { cwd, env: { ...env, SEND: '1' } });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('skipped  line 1 ops@veza.fr: this email already has an invite (sent)'); // sent: still listed
    expect(again.stdout).not.toContain('not sent yet');
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8')).toBe('ops@veza.fr\n');
  });

  it('Ctrl-C stops prepare between two chunks: what was prepared is listed whole, nothing half-written, the lock freed, exit 130; a rerun prepares the rest', async () => {
    // it killed prepare: no summary, no manifest, the lock left, the .eml files of the chunk being written kept with codes no invite has
    const env = await sendingEnv(backend);
    const rows = emails(600, 'p');
    writeFileSync(join(cwd, 'many.csv'), rows.map((email) => `${email},test-cohort,\n`).join(''));
    const out = join(cwd, 'out');
    const run = startLaunched(BIN, {
      args: ['invites', 'prepare', 'many.csv', '--out', 'out', '--no-screenshot', '--chunk-rows', '1'],
      cwd,
      env: { ...childEnv(), ...env },
    });
    for (let i = 0; i < 600 && !(existsSync(out) && readdirSync(out).some((f) => f.endsWith('.eml'))); i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    ctrlC(run);
    expect((await run.exited).code).toBe(130);
    expect(run.output()).toMatch(/prepare INTERRUPTED: the \d+ row\(s\) from line \d+ on were not prepared; run the same command again/);
    const listed = readManifest(out).invites.length;
    expect(listed).toBeGreaterThan(0);
    expect(listed).toBeLessThan(600);
    expect(readdirSync(out).filter((f) => f.endsWith('.eml'))).toHaveLength(listed);
    expect(await invitedCount(env)).toBe(listed);
    expect(existsSync(join(out, '.prepare.lock'))).toBe(false);
    const rest = await runVezaBeta(['invites', 'prepare', 'many.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
    expect(rest.code).toBe(0);
    expect(readManifest(out).invites).toHaveLength(600);
    expect(await invitedCount(env)).toBe(600);
  });

  it('Ctrl-C during SEND=1 send: the email in flight is recorded, nothing is left unknown, the manifest written, the lock freed, exit 130; a rerun sends the rest once', async () => {
    // SEND=1 send had no graceful stop: Ctrl-C killed it, every claim taken ahead "unknown", no summary, no manifest
    const env = await sendingEnv(backend);
    const rows = emails(30, 's');
    writeFileSync(join(cwd, 'send.csv'), rows.map((email) => `${email},test-cohort,\n`).join(''));
    const hold = heldSend(cwd, ['s0@example.org']);
    const args = [
      'invites',
      'send',
      'send.csv',
      '--out',
      'out',
      '--no-screenshot',
      '--chunk-rows',
      '10',
      '--concurrency',
      '2',
      '--rate',
      '100',
    ];
    const run = startLaunched(BIN, { args, cwd, env: { ...childEnv(), ...env, ...hold.env, SEND: '1' } });
    expect((await ctrlCDuringHeldSend(run, hold)).code).toBe(130);
    expect(run.output()).toMatch(/ 0 unknown/);
    expect(run.output()).toContain('Dispatch INTERRUPTED');
    expect(lines(join(cwd, 'sent.log'))).toContain('s0@example.org');
    expect(existsSync(join(cwd, 'out', 'manifest.json'))).toBe(true);
    expect(existsSync(join(cwd, 'out', '.prepare.lock'))).toBe(false);
    const rest = await runVezaBeta(args, { cwd, env: { ...env, SEND: '1' } });
    expect(rest.stdout).toContain(' 0 unknown');
    expect(rest.code).toBe(0);
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual([...rows].sort());
  });

  it("without --out, the folder is named by the day on the machine's clock (date +%F), not the UTC day", async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    // UTC+14 and UTC-11: at any hour, at least one of them is not on the UTC day
    for (const [n, zone] of ['Pacific/Kiritimati', 'Pacific/Pago_Pago'].entries()) {
      writeFileSync(join(cwd, 'me.csv'), `ops${n}@veza.fr,test-cohort,\n`);
      const dayThere = () =>
        new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
      const before = dayThere();
      const run = await runVezaBeta(['invites', 'prepare', 'me.csv', '--no-screenshot'], { cwd, env: { ...env, TZ: zone } });
      const after = dayThere(); // the run may cross that zone's midnight
      expect(run.code).toBe(0);
      const folders = readdirSync(cwd).filter((name) => name.startsWith('out-'));
      expect(folders).toHaveLength(1);
      expect([`out-${before}`, `out-${after}`]).toContain(folders[0]);
      rmSync(join(cwd, folders[0]!), { recursive: true });
    }
  });
  it('a folder that lost its manifest (kill -9 of SEND=1 send) gets it back whole: the sent invites are listed again, as already sent', async () => {
    const env = await sendingEnv(backend);
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\ncyd@example.org,listeners\n');
    const args = ['invites', 'send', 'team.csv', '--out', 'out', '--no-screenshot', '--rate', '100'];
    expect((await runVezaBeta(args, { cwd, env: { ...env, FAIL_FOR: 'cyd@example.org', SEND: '1' } })).code).toBe(1);
    rmSync(join(cwd, 'out', 'manifest.json')); // what a kill -9 before the manifest leaves
    const rerun = await runVezaBeta([...args, '--json'], { cwd, env: { ...env, SEND: '1' } });
    expect(rerun.code).toBe(0);
    expect(
      readManifest(join(cwd, 'out'))
        .invites.map((i) => i.email)
        .sort(),
    ).toEqual(['ana@example.org', 'bob@example.org', 'cyd@example.org']);
    expect(rerun.stdout).toContain('"alreadySent": 2');
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8').trim().split('\n').sort()).toEqual([
      'ana@example.org',
      'bob@example.org',
      'cyd@example.org',
    ]);
  });
  it('one prepare at a time per folder: a live holder of the lock refuses the second with its pid, a dead one is taken over', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
    mkdirSync(join(cwd, 'out'));
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      const lock = join(cwd, 'out', '.prepare.lock');
      writeFileSync(lock, JSON.stringify({ pid: holder.pid, host: hostname(), startedAt: '2026-11-28T09:00:00.000Z' }));
      const refused = await runVezaBeta(['invites', 'prepare', 'team.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `out is being prepared by another process (pid ${holder.pid} on ${hostname()}, started 2026-11-28T09:00:00.000Z)`,
      );
      expect(refused.stderr).toContain('Nothing was written.');
      expect(await invitedCount(env)).toBe(0);
      expect(readdirSync(join(cwd, 'out'))).toEqual(['.prepare.lock']);
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // the holder is gone: its lock is left from a crash, and taken over
    const after = await runVezaBeta(['invites', 'prepare', 'team.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
    expect(after.code).toBe(0);
    expect(readManifest(join(cwd, 'out')).invites).toHaveLength(2);
    expect(existsSync(join(cwd, 'out', '.prepare.lock'))).toBe(false);
  });

  (backend.name === 'postgres' ? it : it.skip)(
    'two prepares of different files into one folder at once: the manifest lists every .eml (one of them waits its turn or is refused)',
    async () => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
      for (const part of ['x', 'y']) {
        const rows = Array.from({ length: 1500 }, (_, i) => `${part}${i}@example.org,${i % 2 ? 'creators' : 'listeners'}`);
        writeFileSync(join(cwd, `${part}.csv`), `email,cohort\n${rows.join('\n')}\n`);
      }
      const runs = await Promise.all(
        ['x.csv', 'y.csv'].map((file) => runVezaBeta(['invites', 'prepare', file, '--out', 'out', '--no-screenshot'], { cwd, env })),
      );
      for (const run of runs) if (run.code !== 0) expect(run.stderr).toContain('out is being prepared by another process');
      expect(runs.some((run) => run.code === 0)).toBe(true);
      const emls = readdirSync(join(cwd, 'out')).filter((f) => f.endsWith('.eml'));
      expect(
        readManifest(join(cwd, 'out'))
          .invites.map((i) => i.file)
          .sort(),
      ).toEqual(emls.sort());
      expect(emls).toHaveLength(1500 * runs.filter((run) => run.code === 0).length);
      expect(await invitedCount(env)).toBe(emls.length);
    },
  );

  it('SEND=1 send FILE on a later day dispatches what an earlier day prepared; when no folder here lists them, it exits 1 and says what to dispatch', async () => {
    const env = await sendingEnv(backend);
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
    const dayOne = await runVezaBeta(['invites', 'send', 'team.csv', '--out', 'out-2026-11-20', '--no-screenshot'], { cwd, env });
    expect(dayOne.code).toBe(0);
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\ncyd@example.org,listeners\n');
    const later = await runVezaBeta(['invites', 'send', 'team.csv', '--no-screenshot', '--rate', '100'], {
      cwd,
      env: { ...env, SEND: '1' },
    });
    expect(later.code).toBe(0);
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8').trim().split('\n').sort()).toEqual([
      'ana@example.org',
      'bob@example.org',
      'cyd@example.org',
    ]);
    expect(later.stdout).toContain('dispatch of out-2026-11-20: 2 sent now');
    expect(later.stdout).toMatch(/dispatch of out-\d{4}-\d{2}-\d{2}: 1 sent now/);
    const again = await runVezaBeta(['invites', 'send', 'team.csv', '--no-screenshot'], { cwd, env: { ...env, SEND: '1' } });
    expect(again.code).toBe(0);
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8').trim().split('\n')).toHaveLength(3);

    // the earlier folder was moved away: nothing here lists the invite, so nothing can be sent
    writeFileSync(join(cwd, 'late.csv'), 'email,cohort\ndan@example.org,creators\n');
    mkdirSync(join(cwd, 'elsewhere'));
    expect(
      (await runVezaBeta(['invites', 'prepare', 'late.csv', '--out', 'elsewhere/out-2026-11-20', '--no-screenshot'], { cwd, env })).code,
    ).toBe(0);
    const lost = await runVezaBeta(['invites', 'send', 'late.csv', '--out', 'out-2026-11-21', '--no-screenshot'], {
      cwd,
      env: { ...env, SEND: '1' },
    });
    expect(lost.code).toBe(1);
    expect(lost.stdout).toContain(
      '1 invite(s) of late.csv were prepared earlier, are not sent, and no folder next to out-2026-11-21 lists them:',
    );
    expect(lost.stdout).toContain('  not found  dan@example.org (ready)');
    expect(lost.stdout).toContain("Dispatch the folder they were prepared into ('veza-beta invites dispatch DIR')");
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8')).not.toContain('dan@example.org');
  }, 180_000); // five runs of the CLI: 11 s on a quiet machine, over 60 s on a loaded one (a fresh-clone run, 2026-11-30)

  it("SEND=1 send FILE picks the folder whose .eml holds the code now, even when the older folder's files are newer (copied to another machine)", async () => {
    const env = await sendingEnv(backend);
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
    const args = ['--no-screenshot'];
    expect((await runVezaBeta(['invites', 'prepare', 'team.csv', '--out', 'out-2026-11-20', ...args], { cwd, env })).code).toBe(0);
    const reissued = await runVezaBeta(['invites', 'prepare', 'team.csv', '--out', 'out-2026-11-21', '--reissue-unsent', ...args], {
      cwd,
      env,
    });
    expect(reissued.code).toBe(0);
    // `scp -r` or `cp -r` of out-2026-11-21 first, then out-2026-11-20: the dead codes' files look newer
    const later = new Date(Date.now() + 3_600_000);
    for (const file of readdirSync(join(cwd, 'out-2026-11-20'))) utimesSync(join(cwd, 'out-2026-11-20', file), later, later);
    const sent = await runVezaBeta(['invites', 'send', 'team.csv', '--out', 'out-2026-11-22', '--rate', '100', ...args], {
      cwd,
      env: { ...env, SEND: '1' },
    });
    expect({ code: sent.code, stdout: sent.stdout }).toMatchObject({ code: 0 });
    expect(sent.stdout).toContain('dispatch of out-2026-11-21: 2 sent now');
    expect(sent.stdout).not.toContain('dispatch of out-2026-11-20');
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ana@example.org', 'bob@example.org']);
  });
});

describe.each(testBackends())('invites prepare --reissue-unsent after the cohort file was edited, on $name', (backend) => {
  async function inviteRows(env: NodeJS.ProcessEnv) {
    const conn = await openEnvDatabase(env);
    try {
      return await conn.rawTransaction((tx) =>
        tx.query<{ email: string; cohort: string; name: string | null; role: string | null }>(
          'SELECT email, cohort, name, role FROM beta_invites ORDER BY email',
        ),
      );
    } finally {
      await conn.close();
    }
  }

  it('the new email and the database say the same cohort and name; an expired invite gets no email with a past date', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    writeFileSync(join(cwd, 'c.csv'), 'email,cohort,name\nana@example.org,creators-a,Ana\nbob@example.org,creators-a,Bob\n');
    expect((await runVezaBeta(['invites', 'prepare', 'c.csv', '--out', 'old', '--no-screenshot'], { cwd, env })).code).toBe(0);
    const conn = await openEnvDatabase(env);
    try {
      const [bob] = await conn.rawTransaction((tx) =>
        tx.query<{ id: string }>("SELECT id::text AS id FROM beta_invites WHERE email = 'bob@example.org'"),
      );
      await setInviteExpiry(conn.db, bob!.id, new Date(Date.now() - 2 * 86_400_000));
    } finally {
      await conn.close();
    }
    // the file edited since: ana moved to another cohort and gave another name
    writeFileSync(join(cwd, 'c.csv'), 'email,cohort,name\nana@example.org,listeners-b,Ana Lopez\nbob@example.org,creators-a,Bob\n');
    const reissued = await runVezaBeta(['invites', 'prepare', 'c.csv', '--reissue-unsent', '--out', 'new', '--no-screenshot', '--json'], {
      cwd,
      env,
    });
    expect({ code: reissued.code, stderr: reissued.stderr }).toMatchObject({ code: 0 });
    const result = jsonOutput<PrepareSummary>(reissued.stdout);
    expect((result.created as { email: string }[]).map((c) => c.email)).toEqual(['ana@example.org']);
    expect(result.skipped).toEqual([
      expect.objectContaining({ email: 'bob@example.org', reason: expect.stringContaining('expired') as unknown }),
    ]);
    const emls = readdirSync(join(cwd, 'new')).filter((f) => f.endsWith('.eml'));
    expect(emls).toHaveLength(1);
    const mail = await simpleParser(readFileSync(join(cwd, 'new', emls[0]!)));
    expect(mail.text).toContain('Bonjour Ana Lopez,');
    expect(mail.text).toContain('groupe «\u00a0listeners-b\u00a0»'); // French spacing: no-break spaces inside « »
    expect(await inviteRows(env)).toEqual([
      { email: 'ana@example.org', cohort: 'listeners-b', name: 'Ana Lopez', role: 'listener' },
      { email: 'bob@example.org', cohort: 'creators-a', name: 'Bob', role: 'creator' },
    ]);
  });
});

const canMount = canMountTmpfs();

/**
 * Rows in beta_invites and complete .eml files in the folder: always the same
 * set. The manifest lists them all, or (when the disk was too full to rewrite
 * it) a part of them, which the next prepare into the folder completes.
 */
async function assertRowsMatchFiles(env: NodeJS.ProcessEnv, out: string, manifestComplete = true): Promise<number> {
  const files = existsSync(out)
    ? readdirSync(out)
        .filter((f) => f.endsWith('.eml'))
        .sort()
    : [];
  const conn = await openEnvDatabase(env);
  let ids: string[];
  try {
    ids = (await conn.rawTransaction((tx) => tx.query<{ id: string }>('SELECT id::text AS id FROM beta_invites'))).map((r) => r.id);
  } finally {
    await conn.close();
  }
  expect(files).toEqual(ids.map((id) => `${id}.eml`).sort());
  const manifest = existsSync(join(out, 'manifest.json'))
    ? readManifest(out)
        .invites.map((i) => i.file)
        .sort()
    : [];
  if (manifestComplete) expect(manifest).toEqual(files);
  else expect(files).toEqual(expect.arrayContaining(manifest));
  for (const file of files) expect((await simpleParser(readFileSync(join(out, file)))).html).toMatch(/<\/html>\s*$/); // complete, not cut
  if (existsSync(out)) expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary or replaced copy left
  return files.length;
}

describe.each(testBackends())('invites prepare is all-or-nothing per chunk on $name', (backend) => {
  let mounted: string | null = null;
  afterEach(() => {
    if (mounted) execFileSync('umount', ['-l', mounted]);
    mounted = null;
  });

  (canMount ? it : it.skip)(
    'on a disk that fills up midway: chunks before are kept whole, the failing chunk is rolled back, the error says "disk full"; a rerun with room finishes',
    async () => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
      await withUsers(env, ['ops@veza.fr', 'claire.roux@veza.fr']);
      const out = join(cwd, 'small-disk');
      mkdirSync(out);
      expect(mountTmpfs(out, 400, { mode: 0o700 })).toBe(true);
      mounted = out;
      const run = await runVezaBeta(['invites', 'prepare', COHORT, '--out', out, '--no-screenshot', '--chunk-rows', '10'], { cwd, env });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`prepare stopped: cannot write ${out}/[0-9a-f-]+\\.eml: disk full \\(no space left on the device\\) \\[ENOSPC\\]`),
      );
      expect(run.stderr).toMatch(/Rolled back: lines \d+–\d+/);
      const kept = await assertRowsMatchFiles(env, out, false);
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(60);
      expect(kept % 10).toBe(0);
      expect(run.stderr).toContain(`Kept: ${kept} invite(s) of the lines before`);

      execFileSync('mount', ['-o', 'remount,size=20m', out]);
      const rerun = await runVezaBeta(['invites', 'prepare', COHORT, '--out', out, '--no-screenshot', '--json'], { cwd, env });
      expect(rerun.code).toBe(0);
      expect(JSON.parse(rerun.stdout)).toMatchObject({ failed: [] });
      expect(jsonOutput<PrepareSummary>(rerun.stdout).skipped).toHaveLength(kept);
      expect(await assertRowsMatchFiles(env, out)).toBe(60);
    },
  );

  (canMount ? it : it.skip)(
    'a failed.csv the disk has no room for is not left cut mid-row (its rows silently out of the retry): no failed.csv, and the error names it',
    async () => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
      const out = join(cwd, 'full-failed-csv');
      mkdirSync(out);
      expect(mountTmpfs(out, 128, { mode: 0o700 })).toBe(true);
      mounted = out;
      const failing = Array.from(
        { length: 1500 },
        (_, i) => `nobody${i}@example.org,fans,,A tester whose inviter is unknown ${i},ghost@example.org`,
      );
      writeFileSync(
        join(cwd, 'mostly-failing.csv'),
        ['email,cohort,role,name,sent_by', 'ana@example.org,creators,,,', 'bob@example.org,listeners,,,', ...failing, ''].join('\n'),
      );
      const run = await runVezaBeta(['invites', 'prepare', 'mostly-failing.csv', '--out', out, '--no-screenshot'], { cwd, env });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`cannot write ${out}/failed.csv: disk full (no space left on the device) [ENOSPC]`);
      expect(run.stderr).toContain('2 invite(s) are prepared, each with its complete .eml');
      expect(existsSync(join(out, 'failed.csv'))).toBe(false);
      expect(await assertRowsMatchFiles(env, out)).toBe(2);
    },
  );

  (canMount ? it : it.skip)(
    'into a read-only folder: nothing is created, the error names the folder and says "read-only folder"',
    async () => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
      const out = join(cwd, 'readonly');
      mkdirSync(out);
      expect(mountTmpfs(out, 1024, { mode: 0o700 })).toBe(true);
      mounted = out;
      execFileSync('mount', ['-o', 'remount,ro', out]);
      writeFileSync(join(cwd, 'few.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
      const run = await runVezaBeta(['invites', 'prepare', 'few.csv', '--out', out, '--no-screenshot'], { cwd, env });
      expect(run.code).toBe(1);
      // the first file it writes is its lock (.prepare.lock)
      expect(run.stderr).toMatch(new RegExp(`cannot write ${out}/\\S+: read-only folder`));
      expect(run.stderr).toContain('Nothing was written.');
      expect(await assertRowsMatchFiles(env, out)).toBe(0);
    },
  );

  it('under a path that is a regular file, or when the renderer refuses a row midway: nothing of the chunk is kept', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    writeFileSync(join(cwd, 'few.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
    writeFileSync(join(cwd, 'plain-file'), 'not a folder');
    const under = await runVezaBeta(['invites', 'prepare', 'few.csv', '--out', 'plain-file/out', '--no-screenshot'], { cwd, env });
    expect(under.code).toBe(1);
    expect(under.stderr).toContain(
      'cannot create the folder plain-file/out: not a folder (a part of the path is a regular file) [ENOTDIR]',
    );
    expect(await assertRowsMatchFiles(env, join(cwd, 'plain-file', 'out'))).toBe(0);

    // line 5 has a name the renderer refuses: lines 2-3 (chunk 1) are kept, lines 4-5 rolled back
    writeFileSync(
      join(cwd, 'refused.csv'),
      'email,cohort,name\na1@example.org,creators,Ana\na2@example.org,creators,Bo\na3@example.org,listeners,Cy\na4@example.org,listeners,{{code}}\na5@example.org,listeners,Ed\n',
    );
    const out = join(cwd, 'out');
    const refused = await runVezaBeta(['invites', 'prepare', 'refused.csv', '--out', out, '--no-screenshot', '--chunk-rows', '2'], {
      cwd,
      env,
    });
    expect(refused.code).toBe(1);
    const kept = await assertRowsMatchFiles(env, out);
    // the validator may refuse that name first (then nothing is written at all)
    expect([0, 2]).toContain(kept);
    if (kept === 2) expect(refused.stderr).toContain('cannot render the email of line 5 (a4@example.org)');
  });
});

describe('invites prepare on an embedded database whose disk fills up', () => {
  let mounted: string | null = null;
  afterEach(() => {
    if (mounted) execFileSync('umount', ['-l', mounted]);
    mounted = null;
  });

  (canMount ? it : it.skip)("says it is the database's disk (53100), not the out folder, and what to free", async () => {
    const data = join(cwd, 'small-db-disk');
    mkdirSync(data);
    expect(mountTmpfs(data, 64 * 1024, { mode: 0o700 })).toBe(true);
    mounted = data;
    const env = { ...SETTINGS, VEZA_DATA_DIR: data, FORCE: '1' };
    expect((await runVezaBeta(['db', 'migrate'], { cwd, env })).code).toBe(0);
    const used = Number(execFileSync('df', ['-k', '--output=used', data], { encoding: 'utf8' }).trim().split('\n')[1]);
    execFileSync('mount', ['-o', `remount,size=${used + 1024}k`, data]); // about a megabyte left to the database
    const rows = Array.from(
      { length: 4_000 },
      (_, i) => `t${i}@example.org,${i % 2 ? 'listeners' : 'creators'}-2026,,A tester with a name ${i}`,
    );
    writeFileSync(join(cwd, 'db-disk.csv'), ['email,cohort,role,name', ...rows, ''].join('\n'));
    const run = await runVezaBeta(['invites', 'prepare', 'db-disk.csv', '--out', 'db-disk-out', '--no-screenshot'], { cwd, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^prepare stopped: error 53100: .*No space left on device — the database's disk is full \(PostgreSQL's data directory; for the embedded database, VEZA_DATA_DIR/m,
    );
    expect(run.stderr).toMatch(/Rolled back: lines \d+–\d+/);
  });
});
