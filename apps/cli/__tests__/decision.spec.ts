import { execFileSync } from 'node:child_process';
import { modeOf, mountTmpfs, underUmask000 } from '@veza/test-support';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInvites, latestGateRun, recordGateRun } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { chromium } from 'playwright-core';
import { freshDatabaseEnv, middayTimeZone, openEnvDatabase } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';
import { launchSettingsFromEnv } from '@veza/gate-probes';
import type { GateRun } from '@veza/gate-probes';
import { writeDecisionReport } from '../src/decision/write-decision-report.js';

const pglite = testBackends().find((b) => b.name === 'pglite')!;
const CHROMIUM = '/usr/bin/chromium';
let cwd: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-decision-'));
  // "today" of every run here is one day, even when the spec runs across midnight (the CI at 23:5x UTC)
  env = { ...(await freshDatabaseEnv(pglite, cwd)), TZ: middayTimeZone() };
  const conn = await openEnvDatabase(env);
  try {
    await createInvites(conn.db, [
      { email: 'a@creators.example', cohort: 'creators' },
      { email: 'b@listeners.example', cohort: 'listeners' },
      { email: 'c@listeners.example', cohort: 'listeners' },
    ]);
  } finally {
    await conn.close();
  }
}, 120_000);
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

(existsSync(CHROMIUM) ? it : it.skip)(
  'decision report writes a self-contained page a browser renders offline, its PNG and its Markdown; the decision phase sees it',
  async () => {
    const out = join(cwd, 'report');
    const run = await runVezaBeta(['decision', 'report', '--out', out], { cwd, env: { ...env, TESTERS_TARGET: '1' } });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Verdict NO-GO'); // 0 of 1 tester signed up
    const png = readFileSync(join(out, 'decision.png'));
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(1000); // width: readable on a shared screen
    expect(readFileSync(join(out, 'decision.md'), 'utf8')).toContain('| 🔴 fail | Testers signed up |');

    // parsed by a real browser, with every request recorded: nothing but the file itself
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      const file = pathToFileURL(join(out, 'decision.html')).href;
      await page.goto(file, { waitUntil: 'load' });
      expect(requests).toEqual([file]);
      expect(await page.locator('.verdict').innerText()).toBe('NO-GO');
      expect(await page.locator('#gates tr').count()).toBe(7);
      expect(await page.locator('#gates tr', { hasText: 'Testers signed up' }).innerText()).toContain('fail');
      expect(await page.locator('svg[aria-label^="gate history"] rect').count()).toBe(6);
      expect(
        await page.locator('svg[aria-label="funnel per cohort"] title').evaluateAll((nodes) => nodes.map((n) => n.textContent)),
      ).toContain('listeners invited: 2');
    } finally {
      await browser.close();
    }

    const conn = await openEnvDatabase(env);
    const stored = await latestGateRun(conn.db);
    await conn.close();
    expect(stored?.verdict).toBe('NO-GO'); // the report's run is stored like any monitor run

    const noNote = await runVezaBeta(['decision', 'record', 'NO-GO'], { cwd, env });
    expect(noNote.code).toBe(1);
    expect(noNote.stderr).toContain('a NO-GO needs --note');
    const log = join(cwd, 'decisions.md');
    appendFileSync(log, '# Decisions\n');
    const recorded = await runVezaBeta(
      ['decision', 'record', 'NO-GO', '--note', 'testers short of target', '--by', 'Tech lead', '--by', 'Product lead'],
      { cwd, env: { ...env, DECISION_LOG: log } },
    );
    expect(recorded.code).toBe(0);
    expect(readFileSync(log, 'utf8')).toMatch(
      /^# Decisions\n- \S+Z \*\*NO-GO\*\* by Tech lead, Product lead, based on gate run #\d+ \(NO-GO\): testers short of target\n$/,
    );
    const shown = await runVezaBeta(['decision', 'show', '--json'], { cwd, env });
    expect(JSON.parse(shown.stdout)).toMatchObject([
      {
        decision: 'NO-GO',
        note: 'testers short of target',
        by: ['Tech lead', 'Product lead'],
        gateRunId: stored!.id,
        gateVerdict: 'NO-GO',
      },
    ]);

    const phase = await runVezaBeta(['preflight', '--phase', 'decision', '--report-dir', out, '--json'], {
      cwd,
      env: { ...env, TESTERS_TARGET: '1' },
    });
    const items = (JSON.parse(phase.stdout) as { items: { title: string; status: string }[] }).items;
    expect(items.map((i) => [i.title, i.status])).toEqual([
      ['Acceptance gates: every configured gate ✅ pass', 'fail'],
      ['Decision report written today', 'pass'],
      ['Decision recorded today', 'pass'],
      ['Tech lead, product lead, on-call engineer all on the call', 'manual'],
      ['Each acceptance-gate row walked through verbally', 'manual'],
    ]);
    expect(phase.code).toBe(1);
  },
  120_000,
);

it("'Decision recorded today' is not ticked by a decision recorded before the decision report it was to judge (one of the morning)", async () => {
  const own = mkdtempSync(join(tmpdir(), 'veza-decision-order-'));
  try {
    const ownEnv = { ...(await freshDatabaseEnv(pglite, own)), TZ: middayTimeZone() }; // one "today", across midnight too
    const recordedItem = async () => {
      const phase = await runVezaBeta(['preflight', '--phase', 'decision', '--report-dir', 'report', '--json'], { cwd: own, env: ownEnv });
      const items = (JSON.parse(phase.stdout) as { items: { title: string; status: string; detail: string }[] }).items;
      return items.find((i) => i.title === 'Decision recorded today')!;
    };
    // the morning: a GO recorded before any figure of the call
    expect((await runVezaBeta(['decision', 'record', 'GO', '--by', 'Claire'], { cwd: own, env: ownEnv })).code).toBe(0);
    // the call: the report is written (its gate run stored), and the morning's GO is all the database has
    const report = await runVezaBeta(['decision', 'report', '--out', 'report'], { cwd: own, env: ownEnv });
    expect(report.stderr).not.toContain('unexpected error');
    const before = await recordedItem();
    expect(before.status).toBe('fail');
    expect(before.detail).toMatch(
      /^the newest decision \(GO at \S+Z\) was recorded before the newest decision report \(its gate run #\d+\): it did not judge those figures/,
    );
    // recorded after reading the report: ticked
    expect(
      (await runVezaBeta(['decision', 'record', 'NO-GO', '--note', 'testers short', '--by', 'Claire'], { cwd: own, env: ownEnv })).code,
    ).toBe(0);
    const after = await recordedItem();
    expect([after.status, after.detail.startsWith('NO-GO at ')]).toEqual(['pass', true]);
  } finally {
    rmSync(own, { recursive: true, force: true });
  }
}, 120_000);

(existsSync(CHROMIUM) ? it : it.skip)(
  "'Decision report written today' fails for a report made on another database: the call read figures this one never had",
  async () => {
    const here = mkdtempSync(join(tmpdir(), 'veza-decision-here-'));
    const there = mkdtempSync(join(tmpdir(), 'veza-decision-there-'));
    try {
      const TZ = middayTimeZone(); // one "today" for every run, across midnight too
      const [hereEnv, thereEnv] = [
        { ...(await freshDatabaseEnv(pglite, here)), TZ },
        { ...(await freshDatabaseEnv(pglite, there)), TZ },
      ];
      const reportItem = async () => {
        const phase = await runVezaBeta(['preflight', '--phase', 'decision', '--report-dir', join(there, 'report'), '--json'], {
          cwd: here,
          env: hereEnv,
        });
        const items = (JSON.parse(phase.stdout) as { items: { title: string; status: string; detail: string }[] }).items;
        return items.find((i) => i.title === 'Decision report written today')!;
      };
      // the report is made in another folder, on its own embedded database; the decision is recorded here
      expect((await runVezaBeta(['decision', 'report', '--out', 'report'], { cwd: there, env: thereEnv })).code).toBe(0);
      expect((await runVezaBeta(['decision', 'record', 'GO', '--by', 'Claire'], { cwd: here, env: hereEnv })).code).toBe(0);
      const elsewhere = await reportItem();
      expect(elsewhere.status).toBe('fail');
      expect(elsewhere.detail).toMatch(
        /decision\.md shows the gates run of \S+Z, which this database did not store: the report was made on another database/,
      );
      // the same folder written from this database: its run is stored here, and the item passes
      expect((await runVezaBeta(['decision', 'report', '--out', join(there, 'report')], { cwd: here, env: hereEnv })).code).toBe(0);
      expect((await reportItem()).status).toBe('pass');
    } finally {
      rmSync(here, { recursive: true, force: true });
      rmSync(there, { recursive: true, force: true });
    }
  },
  180_000,
);

it('decision report on a disk that fills up: exit 1 naming the file, the earlier report left whole, nothing cut or temporary', async () => {
  const out = join(cwd, 'small');
  mkdirSync(out);
  // 0755: a tmpfs is mounted 1777 by default, a folder every user can write into, which the report refuses
  if (!mountTmpfs(out, 1024, { mode: 0o755 })) return; // not root: covered where the tests run as root (CI)
  try {
    const first = await runVezaBeta(['decision', 'report', '--out', out], { cwd, env });
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    const before = readFileSync(join(out, 'decision.html'), 'utf8');
    expect(before).toMatch(/<\/html>\s*$/);
    const free = statfsSync(out);
    writeFileSync(join(out, 'filler'), Buffer.alloc(free.bavail * free.bsize)); // full
    const second = await runVezaBeta(['decision', 'report', '--out', out], { cwd, env });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/disk full \(no space left on the device\) \[ENOSPC\]/);
    expect(readFileSync(join(out, 'decision.html'), 'utf8')).toBe(before);
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  } finally {
    execFileSync('umount', ['-l', out]);
  }
}, 120_000);

it('decision report takes the earlier screenshot away once the new page is written: no picture of an earlier verdict beside it', async () => {
  const out = join(cwd, 'stale-png');
  mkdirSync(out, { mode: 0o755 });
  writeFileSync(join(out, 'decision.png'), 'the 17:00 report: NO-GO');
  const launch = launchSettingsFromEnv({});
  if (!launch.ok) throw new Error('launch settings');
  const at = new Date().toISOString();
  const run: GateRun = { startedAt: at, finishedAt: at, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] };
  // no screenshot this time (as when the run is stopped while Chromium runs, or Chromium is missing)
  const written = await writeDecisionReport(env, launch.value, run, out, { screenshot: false });
  expect(written.png).toBeNull();
  expect(readFileSync(join(out, 'decision.md'), 'utf8')).toContain('INCONCLUSIVE');
  expect(existsSync(join(out, 'decision.png'))).toBe(false);
}, 60_000);

it('decision report with BETA_START and no BETA_END draws the gate history from BETA_START: the runs of the days before the launch are left out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veza-decision-start-'));
  try {
    const startEnv = await freshDatabaseEnv(pglite, dir);
    const start = Date.now() - 3600_000;
    const conn = await openEnvDatabase(startEnv);
    try {
      // the monitor's runs of T-72h (red: the status page's maintenance not declared yet) and of the launch
      for (const at of [start - 2 * 86_400_000, start - 86_400_000, start + 60_000, start + 120_000]) {
        const iso = new Date(at).toISOString();
        await recordGateRun(conn.db, { run: { startedAt: iso, finishedAt: iso, verdict: 'NO-GO', exitCode: 1, gates: [] }, state: {} });
      }
    } finally {
      await conn.close();
    }
    const launch = launchSettingsFromEnv({ BETA_START: new Date(start).toISOString() });
    if (!launch.ok) throw new Error('launch settings');
    const at = new Date().toISOString();
    const run: GateRun = { startedAt: at, finishedAt: at, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] };
    await writeDecisionReport(startEnv, launch.value, run, join(dir, 'report'), { screenshot: false });
    // the two runs since BETA_START and the report's own run (not stored here: no testers gate, nothing else)
    expect(readFileSync(join(dir, 'report', 'decision.md'), 'utf8')).toContain('Gate history: 3 stored run(s)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

(existsSync(CHROMIUM) ? it : it.skip)(
  'under umask 000 the decision report is readable by the team and writable by its author only: decision.png too (Chromium made it 0666)',
  async () => {
    const out = join(cwd, 'umask-000');
    const launch = launchSettingsFromEnv({});
    if (!launch.ok) throw new Error('launch settings');
    const at = new Date().toISOString();
    const run: GateRun = { startedAt: at, finishedAt: at, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] };
    const written = await underUmask000(() => writeDecisionReport(env, launch.value, run, out));
    expect(written.png).not.toBeNull();
    expect(['decision.html', 'decision.md', 'decision.png'].map((f) => modeOf(join(out, f)))).toEqual(['644', '644', '644']);
  },
  60_000,
);

it('decision record under umask 000 makes a new DECISION_LOG 0644, not 0666 (any user could rewrite the record of the call)', async () => {
  const log = join(cwd, 'umask-000-decisions.md');
  const run = await underUmask000(() =>
    runVezaBeta(['decision', 'record', 'NO-GO', '--note', 'umask test', '--by', 'Tech lead'], { cwd, env: { ...env, DECISION_LOG: log } }),
  );
  expect(run.code).toBe(0);
  expect(modeOf(log)).toBe('644');
}, 60_000);

it('decision record with a DECISION_LOG that cannot be written: the decision is stored once, the error says so and names the log', async () => {
  const before = JSON.parse((await runVezaBeta(['decision', 'show', '--json'], { cwd, env })).stdout) as unknown[];
  const run = await runVezaBeta(['decision', 'record', 'NO-GO', '--note', 'log test', '--by', 'Tech lead'], {
    cwd,
    env: { ...env, DECISION_LOG: join(cwd, 'no-such-folder', 'decisions.md') },
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('Recorded ');
  expect(run.stderr).toContain("The decision is recorded in the database ('veza-beta decision show'), but DECISION_LOG cannot append to");
  expect(run.stderr).toContain('no such folder [ENOENT]; do not record it again');
  const after = JSON.parse((await runVezaBeta(['decision', 'show', '--json'], { cwd, env })).stdout) as unknown[];
  expect(after).toHaveLength(before.length + 1);
}, 60_000);

it('decision record GO against a stored run that is not GO (or none) is recorded, with a warning naming the run and its verdict', async () => {
  const run = await runVezaBeta(['decision', 'record', 'GO', '--note', 'we accept the risk', '--by', 'Tech lead'], { cwd, env });
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('**GO** by Tech lead, based on ');
  // the runs stored by the tests before (no run at all when this one runs alone)
  expect(run.stderr).toMatch(
    /^warning: this GO is (against gate run #\d+, whose verdict is (NO-GO|INCONCLUSIVE)|based on no stored gate run); the decision report/,
  );
}, 60_000);

it('decision record GO on a GO gate run older than 2 × CHECK_INTERVAL is recorded, with a warning giving its age; on a fresh one, no warning', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veza-decision-stale-'));
  try {
    const own = await freshDatabaseEnv(pglite, dir);
    const storeGoRun = async (finishedAt: Date) => {
      const conn = await openEnvDatabase(own);
      try {
        const at = finishedAt.toISOString();
        return (
          await recordGateRun(conn.db, { run: { startedAt: at, finishedAt: at, verdict: 'GO', exitCode: 0, source: 'monitor' }, state: {} })
        ).id;
      } finally {
        await conn.close();
      }
    };
    const old = await storeGoRun(new Date(Date.now() - 2 * 3600_000));
    const stale = await runVezaBeta(['decision', 'record', 'GO', '--by', 'Tech lead'], { cwd: dir, env: own });
    expect(stale.code).toBe(0);
    expect(stale.stdout).toContain(`based on gate run #${old} (GO)`);
    expect(stale.stderr).toBe(
      `warning: this GO rests on gate run #${old}, which finished 2.0 h ago (the monitor runs every CHECK_INTERVAL, 300 s): the gates may have changed since; veza-beta gates check shows them now\n`,
    );
    await storeGoRun(new Date());
    const fresh = await runVezaBeta(['decision', 'record', 'GO', '--by', 'Tech lead'], { cwd: dir, env: { ...own, CHECK_INTERVAL: '60' } });
    expect({ code: fresh.code, stderr: fresh.stderr }).toEqual({ code: 0, stderr: '' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it('decision record refuses a note or a name with terminal control characters (a multi-line note is fine); decision show never prints them raw', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'veza-decision-controls-'));
  try {
    const own = await freshDatabaseEnv(pglite, dir);
    const esc = '\u001b';
    for (const [args, field] of [
      [['--note', `all green${esc}[2J`], 'note'],
      [['--note', 'ok', '--by', `Claire${esc}]0;pwned\u0007`], 'by'],
      [['--note', 'ok', '--by', 'Claire\u202eMarc'], 'by'],
    ] as const) {
      const run = await runVezaBeta(['decision', 'record', 'GO', ...args], { cwd: dir, env: own });
      expect({
        code: run.code,
        field: run.stderr.includes(`${field}: `),
        control: /control character U\+001B|U\+202E/.test(run.stderr),
      }).toEqual({
        code: 1,
        field: true,
        control: true,
      });
      expect(run.stdout + run.stderr).not.toContain(esc);
    }
    const multi = await runVezaBeta(
      ['decision', 'record', 'NO-GO', '--note', 'Sentry red:\n1. fix login\n2. rerun k6', '--by', 'Tech lead'],
      {
        cwd: dir,
        env: own,
      },
    );
    expect(multi.code).toBe(0);
    // a row written by an older veza-beta or by hand still shows as text, each decision on one line
    const conn = await openEnvDatabase(own);
    try {
      await conn.rawTransaction((tx) =>
        tx.query(`INSERT INTO decisions (decision, note, decided_by) VALUES ('GO', $1, $2)`, [`ok${esc}[31mred`, [`Marc${esc}]0;x\u0007`]]),
      );
    } finally {
      await conn.close();
    }
    const show = await runVezaBeta(['decision', 'show'], { cwd: dir, env: own });
    expect(show.code).toBe(0);
    // eslint-disable-next-line no-control-regex -- the point: no raw control character reaches the terminal
    expect(show.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(show.stdout).toContain('ok\\u001b[31mred');
    expect(show.stdout).toContain('Marc\\u001b]0;x\\u0007');
    expect(show.stdout).toContain('Sentry red: / 1. fix login / 2. rerun k6');
    expect(show.stdout.trim().split('\n')).toHaveLength(4); // header, rule, two decisions
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 90_000);
