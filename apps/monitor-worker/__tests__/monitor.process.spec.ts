import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createInvites, formatCode, listGateRuns, openDatabase, redeemInvite, runMigrations } from '@veza/invites-db';
import type { OpenOptions } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { childEnv, startNotPostgresServer, startSilentServer } from '@veza/test-support';
import type { SilentServer } from '@veza/test-support';
import { initialEscalationState } from '@veza/gate-probes';
import type { EscalationState, GateRun } from '@veza/gate-probes';
import { forcedGcNodeOptions } from '@veza/gate-probes/testing';
import { recordGateRun } from '@veza/invites-db';
import { FAKE_TOKENS, FakeGateApis } from '../testing/fake-gate-apis.js';

const bin = fileURLToPath(new URL('../bin/monitor-worker.mjs', import.meta.url));
const apis = new FakeGateApis();
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'veza-monitor-'));
  dirs.push(dir);
  return dir;
};

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the worker as a real child process; `onStdout` sees the output as it comes (to send a signal). */
function monitor(
  env: Record<string, string>,
  args: string[] = [],
  onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void,
  cwd: string = tempDir(),
  killAfterMs = 90_000,
  onSpawn?: (child: ReturnType<typeof spawn>) => void,
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: childEnv(env),
      cwd,
    });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A migrated database with `redeemed` redeemed invites: the throwaway PostgreSQL when the test script started one (unless `embedded`), else PGlite in a directory. */
async function seededDatabase(redeemed: number, { embedded = false } = {}): Promise<{ env: Record<string, string>; open: OpenOptions }> {
  const pg = embedded ? undefined : testBackends().find((b) => b.name === 'postgres');
  let env: Record<string, string>;
  let open: OpenOptions;
  if (pg) {
    const { url } = await pg.create();
    env = { DATABASE_URL: url! };
    open = { databaseUrl: url };
  } else {
    const dir = tempDir();
    env = { VEZA_DATA_DIR: dir };
    open = { dataDir: join(dir, 'db') };
  }
  const conn = await openDatabase(open);
  try {
    await runMigrations(conn);
    const rows = Array.from({ length: redeemed + 1 }, (_, i) => ({ email: `tester${i}@example.org`, cohort: 'creators-2026' }));
    const outcomes = await createInvites(conn.db, rows);
    for (const outcome of outcomes.slice(0, redeemed))
      if (outcome.status === 'created') await redeemInvite(conn.db, formatCode(outcome.code));
  } finally {
    await conn.close();
  }
  return { env, open };
}

async function storedRuns(open: OpenOptions) {
  const conn = await openDatabase(open);
  try {
    return (await listGateRuns<GateRun, EscalationState>(conn.db, { limit: 100 })).reverse();
  } finally {
    await conn.close();
  }
}

/** A local port nothing listens on (for now). */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

const secretsIn = (ran: Ran) =>
  [FAKE_TOKENS.sentry, FAKE_TOKENS.github, FAKE_TOKENS.webhook].filter((t) => ran.stdout.includes(t) || ran.stderr.includes(t));

beforeAll(() => apis.start());
afterAll(async () => {
  await apis.stop();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});
beforeEach(() => {
  apis.scenario = { sentryIssues: 0, indicator: 'none', prom: ['1'], k6HoursAgo: 6, highIssues: 0, webhookFailures: 0 };
  apis.webhooks.length = 0;
  apis.requests.length = 0;
});

describe('one run (CI)', () => {
  it.each([[['--junitt', 'g.xml']], [['--junit']], [['--json', '--markdown']], [['extra-word']]])(
    'exits 3 on a command-line mistake %j, before probing',
    async (args) => {
      const ran = await monitor(apis.gateEnv(), args);
      expect(ran.code).toBe(3);
      expect(ran.stdout).toBe('');
      expect(ran.stderr).toMatch(
        /^monitor-worker: configuration error: (Unknown argument|--junit needs a file name|--json and --markdown without a file both want stdout)/,
      );
      expect(ran.stderr).toContain('Usage: monitor-worker [--json] [--junit FILE] [--markdown [FILE]] [--once]');
      expect(apis.requests).toEqual([]);
    },
  );

  it('exits 3 on configuration errors, before probing, naming each variable', async () => {
    const ran = await monitor(
      { ...apis.gateEnv(), PROM_URL: 'prometheus:9090', CHECK_INTERVAL: 'often', GATES_WEBHOOK_URL: `ftp://x/${FAKE_TOKENS.webhook}` },
      ['--junit'],
    );
    expect(ran.code).toBe(3);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toContain('configuration error: --junit needs a file name');
    expect(ran.stderr).toContain('configuration error: CHECK_INTERVAL must be a number ≥ 1 and ≤ 86400 (got "often")');
    expect(ran.stderr).toContain('configuration error: GATES_WEBHOOK_URL is not an http(s) URL');
    expect(ran.stderr).toContain('configuration error: PROM_URL is not an http(s) URL');
    expect(apis.requests).toEqual([]);
    expect(secretsIn(ran)).toEqual([]);
  });

  it('exits 0 on GO with the testers counted in PostgreSQL; writes JUnit, Markdown, the step summary, and stores the verdict', async () => {
    const db = await seededDatabase(3);
    const dir = tempDir();
    const ran = await monitor(
      {
        ...apis.gateEnv(),
        ...db.env,
        TESTERS_TARGET: '3',
        GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
        GATES_WEBHOOK_URL: apis.webhookUrl,
      },
      ['--junit', join(dir, 'gates.xml'), '--markdown', join(dir, 'gates.md')],
    );
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/Testers signed up +✅ pass +3 \/ ≥ 3/);
    expect(ran.stdout).toContain('Verdict: ✅ GO (exit 0)');
    const junit = readFileSync(join(dir, 'gates.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(6);
    expect(junit).not.toContain('<failure');
    expect(readFileSync(join(dir, 'gates.md'), 'utf8')).toContain('## ✅ GO: beta gates');
    expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('## ✅ GO: beta gates');
    const stored = await storedRuns(db.open);
    expect(stored.map((r) => [r.verdict, r.exitCode])).toEqual([['GO', 0]]);
    expect(stored[0]!.run.gates.find((g) => g.id === 'testers')).toMatchObject({ state: 'pass', evidence: { value: 3 } });
    expect(JSON.stringify(stored)).not.toContain(FAKE_TOKENS.github);
    // first stored verdict: announced once
    expect(apis.webhooks.map((w) => w.content.split('\n')[0])).toEqual([expect.stringMatching(/^✅ \*\*GO\*\*: beta gates at /)]);
    expect(secretsIn(ran)).toEqual([]);
  });

  it('a GO whose --markdown file cannot be written exits 2, not 0, and says why (a cron job would lose its report)', async () => {
    const db = await seededDatabase(3);
    const ran = await monitor({ ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3' }, [
      '--markdown',
      join(tempDir(), 'no-such-folder', 'gates.md'),
    ]);
    expect(ran.stdout).toContain('Verdict: ✅ GO');
    expect(ran.stderr).toMatch(/monitor-worker: output: .*no-such-folder/);
    expect(ran.code).toBe(2);
  });

  it('a --junit path that blocks (a FIFO nobody reads) is left behind by the run deadline and named; the run ends, exit 2', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'gates.xml');
    execFileSync('mkfifo', [fifo]);
    const db = await seededDatabase(3);
    const started = Date.now();
    const ran = await monitor({ ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', GATES_RUN_TIMEOUT_MS: '4000' }, [
      '--junit',
      fifo,
      '--markdown',
      join(dir, 'gates.md'),
    ]);
    expect(ran.stdout).toContain('Verdict: ✅ GO');
    expect(ran.stderr).toContain(`monitor-worker: output: not written by the run deadline, left behind: --junit ${fifo}`);
    expect(readFileSync(join(dir, 'gates.md'), 'utf8')).toContain('beta gates');
    expect(ran.code).toBe(2);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('the same FIFO when SIGTERM ends the run first: named as cut by the signal, not by the run deadline; exit 2', async () => {
    const dir = tempDir();
    const fifo = join(dir, 'gates.xml');
    execFileSync('mkfifo', [fifo]);
    const db = await seededDatabase(3);
    let signalled = false;
    const ran = await monitor(
      { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', GATES_RUN_TIMEOUT_MS: '60000' },
      ['--junit', fifo],
      (soFar, child) => {
        if (!signalled && soFar.includes('Verdict: ✅ GO')) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    );
    expect(signalled).toBe(true);
    expect(ran.stderr).toContain(`monitor-worker: output: not written when a signal stopped the run, left behind: --junit ${fifo}`);
    expect(ran.stderr).not.toContain('by the run deadline');
    expect(ran.code).toBe(2);
  });

  it('exits 1 on NO-GO (Sentry issues, testers short of the target)', async () => {
    apis.scenario.sentryIssues = 2;
    const db = await seededDatabase(1);
    const ran = await monitor({ ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3' });
    expect(ran.code).toBe(1);
    expect(ran.stdout).toMatch(/Sentry high-priority issues +🔴 FAIL +2 \/ ≤ 0/);
    expect(ran.stdout).toMatch(/Testers signed up +🔴 FAIL +1 \/ ≥ 3/);
    expect(ran.stdout).toContain('Verdict: 🔴 NO-GO (exit 1)');
  });

  it('exits 2 when a gate cannot answer; --json; no database: testers ⚪, nothing stored, no webhook', async () => {
    const ran = await monitor({ ...apis.gateEnv(), TESTERS_TARGET: '3', GATES_WEBHOOK_URL: apis.webhookUrl }, ['--json']);
    expect(ran.code).toBe(2);
    const report = JSON.parse(ran.stdout) as { verdict: string; gates: { id: string; state: string; reason: string | null }[] };
    expect(report.verdict).toBe('INCONCLUSIVE');
    expect(report.gates.find((g) => g.id === 'testers')).toMatchObject({ state: 'unknown', reason: 'config' });
    expect(report.gates.filter((g) => g.state === 'pass')).toHaveLength(5);
    expect(ran.stderr).toContain('GATES_WEBHOOK_URL is not used for a single run without stored verdicts');
    expect(apis.webhooks).toEqual([]);
    expect(secretsIn(ran)).toEqual([]);
  });

  it('names a misspelled setting of its .env (DATABSE_URL) and what it does instead, as the CLI does; never its value', async () => {
    // the monitor went on without a word: no database, the testers gate ⚪ and nothing stored, on launch day
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'DATABSE_URL=postgres://veza:s3cret@db.internal:5432/veza\n');
    const ran = await monitor({ ...apis.gateEnv(), TESTERS_TARGET: '3' }, ['--json'], undefined, cwd);
    expect(ran.stderr).toContain(
      `monitor-worker: warning: DATABSE_URL (in ${join(cwd, '.env')}) is not a setting: did you mean DATABASE_URL? DATABASE_URL is not set, so the monitor opens no database (the testers gate is ⚪ and verdicts are not stored).`,
    );
    expect(ran.stderr).not.toContain('s3cret');
    expect(ran.code).toBe(2);
  });

  it('without VEZA_DATA_DIR, says where the embedded database it does not open is, and how to give it', async () => {
    // An operator who never set DATABASE_URL has .veza/db beside the monitor: it was told only "(DATABASE_URL)".
    const cwd = tempDir();
    mkdirSync(join(cwd, '.veza', 'db'), { recursive: true });
    const ran = await monitor({ ...apis.gateEnv(), TESTERS_TARGET: '3' }, ['--json'], undefined, cwd);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(
      `monitor-worker: note: an embedded database is in ${join(cwd, '.veza', 'db')}, and the monitor opens one only with VEZA_DATA_DIR (or DATABASE_URL): set VEZA_DATA_DIR=${join(cwd, '.veza')} to count its testers`,
    );
    const report = JSON.parse(ran.stdout) as { gates: { id: string; summary: string }[] };
    expect(report.gates.find((g) => g.id === 'testers')?.summary).toBe(
      'no database given to the testers gate (DATABASE_URL, or VEZA_DATA_DIR for the embedded one)',
    );
    const elsewhere = await monitor({ ...apis.gateEnv(), TESTERS_TARGET: '3' }, ['--json']);
    expect(elsewhere.stderr).not.toContain('note: an embedded database');
  });

  it('says clearly when the database lacks gate_runs, and still checks the gates', async () => {
    const dir = tempDir();
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    await (await openTestDatabase(pglite, { migrate: false, dataDir: join(dir, 'db') })).close(); // an empty embedded database
    const ran = await monitor({ ...apis.gateEnv(), VEZA_DATA_DIR: dir, TESTERS_TARGET: '3' });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(
      /verdicts are not stored: the database at embedded database .* has no gate_runs table; run 'veza-beta db migrate'/,
    );
    const loop = await monitor({ ...apis.gateEnv(), VEZA_DATA_DIR: dir, LOOP: '1', MAX_RUNS: '1' });
    expect(loop.code).toBe(3);
    expect(loop.stderr).toContain('configuration error: LOOP=1 stores every verdict, but the database at');
    expect(loop.stdout).toBe('');
  });
});

describe('loop (LOOP=1)', () => {
  it('refuses to start (exit 3) on an embedded database another process holds: a second monitor would announce every change again', async () => {
    const dir = tempDir();
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    const holder = await openTestDatabase(pglite, { dataDir: join(dir, 'db') }); // the first monitor, or the API
    try {
      const loop = await monitor({
        ...apis.gateEnv(),
        VEZA_DATA_DIR: dir,
        TESTERS_TARGET: '3',
        LOOP: '1',
        MAX_RUNS: '2',
        CHECK_INTERVAL: '1',
        GATES_WEBHOOK_URL: apis.webhookUrl,
      });
      expect(loop.code).toBe(3);
      expect(loop.stderr).toContain('configuration error: LOOP=1 stores every verdict, but INVITES_DB_BUSY: the embedded database');
      expect(loop.stdout).toBe('');
      expect(apis.webhooks).toEqual([]);
      // a single run (cron, gates check) still checks the gates, testers ⚪, and says why nothing is stored
      const once = await monitor({ ...apis.gateEnv(), VEZA_DATA_DIR: dir, TESTERS_TARGET: '3' });
      expect(once.code).toBe(2);
      expect(once.stderr).toContain('verdicts are not stored: INVITES_DB_BUSY');
    } finally {
      await holder.close();
    }
  });

  it('escalates a lasting ⚪ to 🔴, stores every verdict, posts each change once, and resumes after a restart', async () => {
    const db = await seededDatabase(3);
    apis.scenario.prom = 'down';
    apis.scenario.webhookFailures = 0;
    // runs start 3 s apart (later when a run takes longer); ⚪ may last 5.7 s: the 1st and 2nd runs stay ⚪
    // unless the 1st run took more than 5.7 s (a loaded machine: 2 s apart and 3 s failed here), the 3rd
    // (6 s or more after the 1st) is 🔴
    const env = {
      ...apis.gateEnv(),
      ...db.env,
      TESTERS_TARGET: '3',
      LOOP: '1',
      CHECK_INTERVAL: '3',
      UNKNOWN_MAX_MINUTES: '0.095',
      GATES_WEBHOOK_URL: apis.webhookUrl,
    };
    const first = await monitor({ ...env, MAX_RUNS: '3' });
    expect(first.code).toBe(1);
    expect(first.stdout.match(/── run \d · \S+ ──/g)).toHaveLength(3);
    expect(first.stdout.match(/Verdict: .*/g)).toEqual([
      'Verdict: ⚪ INCONCLUSIVE (exit 2)',
      'Verdict: ⚪ INCONCLUSIVE (exit 2)',
      'Verdict: 🔴 NO-GO (exit 1)',
    ]);
    expect(first.stderr).toContain('checking every 3 s, 3 run(s); ⚪ for more than 5.7 s turns 🔴');

    let stored = await storedRuns(db.open);
    expect(stored.map((r) => r.verdict)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'NO-GO']);
    expect(stored.map((r) => r.state.unknownSince.synthetic)).toEqual(Array(3).fill(stored[0]!.run.startedAt));
    expect(stored[2]!.run.gates.find((g) => g.id === 'synthetic')).toMatchObject({ state: 'fail', reason: 'unknown_too_long' });
    expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual(['⚪ **INCONCLUSIVE**', '🔴 **NO-GO** (was ⚪ INCONCLUSIVE)']);

    // A restart with the same database: still NO-GO at first (no new post), then the synthetic parcours recovers.
    const restarted = await monitor({ ...env, CHECK_INTERVAL: '1', MAX_RUNS: '2' }, [], (soFar) => {
      if (soFar.includes('── run 1')) apis.scenario.prom = ['1'];
    });
    stored = await storedRuns(db.open);
    expect(stored.map((r) => r.verdict).slice(3)).toEqual(['NO-GO', 'GO']);
    expect(restarted.code).toBe(0);
    expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual([
      '⚪ **INCONCLUSIVE**',
      '🔴 **NO-GO** (was ⚪ INCONCLUSIVE)',
      '✅ **GO** (was 🔴 NO-GO)',
    ]);
    expect(secretsIn(first)).toEqual([]);
    expect(secretsIn(restarted)).toEqual([]);
  });

  (testBackends().some((b) => b.name === 'postgres') ? it : it.skip)(
    'two monitors on one PostgreSQL post each verdict change once between them; one killed mid-post does not silence the other',
    async () => {
      // a second monitor (another tmux window, a second host for safety) posted every change a second time
      const db = await seededDatabase(3);
      apis.scenario.sentryIssues = 2; // NO-GO from the first run
      const env = { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', LOOP: '1', CHECK_INTERVAL: '1', GATES_WEBHOOK_URL: apis.webhookUrl };
      const [a, b] = await Promise.all([monitor({ ...env, MAX_RUNS: '3' }), monitor({ ...env, MAX_RUNS: '3' })]);
      expect([a.code, b.code]).toEqual([1, 1]);
      expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual(['🔴 **NO-GO**']);
      expect(`${a.stderr}${b.stderr}`).not.toContain('webhook:');

      // the gates recover: the change is posted once more, by one of them
      apis.scenario.sentryIssues = 0;
      const [c, d] = await Promise.all([monitor({ ...env, MAX_RUNS: '2' }), monitor({ ...env, MAX_RUNS: '2' })]);
      expect([c.code, d.code]).toEqual([0, 0]);
      expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual(['🔴 **NO-GO**', '✅ **GO** (was 🔴 NO-GO)']);

      // one killed (kill -9) while its post hangs, holding the announcement: its session, lock and unrecorded
      // post go with it, and the next monitor posts the change
      apis.scenario.sentryIssues = 2;
      const silent = await startSilentServer();
      try {
        let killing = false;
        const killed = await monitor(
          { ...env, GATES_RUN_TIMEOUT_MS: '60000', GATES_WEBHOOK_URL: `${silent.url}/api/webhooks/1/${FAKE_TOKENS.webhook}` },
          [],
          (soFar, child) => {
            if (killing || !soFar.includes('Verdict:')) return;
            killing = true;
            const poll = setInterval(() => {
              if (silent.connections === 0) return;
              clearInterval(poll);
              child.kill('SIGKILL');
            }, 50);
          },
        );
        expect(killed.signal).toBe('SIGKILL');
      } finally {
        await silent.stop();
      }
      const next = await monitor({ ...env, MAX_RUNS: '1' });
      expect(next.code).toBe(1);
      expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual([
        '🔴 **NO-GO**',
        '✅ **GO** (was 🔴 NO-GO)',
        '🔴 **NO-GO** (was ✅ GO)',
      ]);
    },
    120_000,
  );

  (testBackends().some((b) => b.name === 'postgres') ? it : it.skip)(
    'started before its PostgreSQL answers, a loop reaches it later: the testers are counted and the verdicts stored from then on',
    async () => {
      // A loop started before its database (a host's boot, a compose file, a failover) kept the start's
      // "cannot reach" for its whole life: testers ⚪ until it turned 🔴 and was posted as NO-GO, nothing stored.
      const db = await seededDatabase(3);
      const target = new URL(db.env['DATABASE_URL']!);
      const port = await freePort();
      const late = new URL(target);
      late.port = String(port);
      late.searchParams.set('connect_timeout', '2');
      // the database's address answers (a TCP forwarder to the real server) only once the first run is shown
      const forwarder = createNetServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        client.pipe(upstream).pipe(client);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
      let opened = false;
      try {
        const ran = await monitor(
          { ...apis.gateEnv(), DATABASE_URL: late.toString(), TESTERS_TARGET: '3', LOOP: '1', CHECK_INTERVAL: '1', MAX_RUNS: '6' },
          [],
          (soFar) => {
            if (opened || !soFar.includes('Verdict:')) return;
            opened = true;
            forwarder.listen(port, '127.0.0.1');
          },
        );
        expect(ran.stderr).toContain('verdicts are not stored: INVITES_DB_UNREACHABLE');
        expect(ran.stderr).toContain('answers now: verdicts are stored from this run on');
        const verdicts = ran.stdout.match(/Verdict: .*/g) ?? [];
        expect(verdicts[0]).toBe('Verdict: ⚪ INCONCLUSIVE (exit 2)');
        expect(verdicts.at(-1)).toBe('Verdict: ✅ GO (exit 0)');
        expect(ran.code).toBe(0);
        const stored = await storedRuns(db.open);
        expect(stored.length).toBeGreaterThan(0);
        expect(stored.at(-1)).toMatchObject({ verdict: 'GO' });
        expect(secretsIn(ran)).toEqual([]);
      } finally {
        forwarder.close();
      }
    },
    90_000,
  );

  it('stdout closed by its reader (| head, a tee that died) is said once; the loop goes on storing and announcing', async () => {
    const db = await seededDatabase(3);
    apis.scenario.sentryIssues = 2; // NO-GO
    let closed = false;
    const ran = await monitor(
      {
        ...apis.gateEnv(),
        ...db.env,
        TESTERS_TARGET: '3',
        LOOP: '1',
        CHECK_INTERVAL: '1',
        MAX_RUNS: '3',
        GATES_WEBHOOK_URL: apis.webhookUrl,
      },
      ['--json'],
      (_soFar, child) => {
        if (closed) return;
        closed = true;
        child.stdout?.destroy();
      },
    );
    // before: an unhandled EPIPE crashed the worker after its first run (exit 1 by accident, stack on stderr)
    expect(ran.stderr).not.toContain('EPIPE\n    at');
    expect(ran.stderr.match(/output: stdout: closed by its reader \(EPIPE\): the runs are no longer shown there/g)).toHaveLength(1);
    expect(ran.code).toBe(1);
    expect((await storedRuns(db.open)).map((r) => r.verdict)).toEqual(['NO-GO', 'NO-GO', 'NO-GO']);
    expect(apis.webhooks).toHaveLength(1);
  });

  it('logs a failing webhook with the URL redacted and keeps looping; stops on SIGTERM with the last exit code', async () => {
    apis.scenario.sentryIssues = 1;
    apis.scenario.webhookFailures = 100;
    let signalled = false;
    const ran = await monitor(
      { ...apis.gateEnv(), LOOP: '1', CHECK_INTERVAL: '1', GATES_WEBHOOK_URL: apis.webhookUrl },
      ['--json'],
      (soFar, child) => {
        if (!signalled && soFar.split('\n').filter(Boolean).length >= 2) {
          signalled = true;
          child.kill('SIGTERM');
        }
      },
    );
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(1);
    const lines = ran.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { verdict: string });
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((l) => l.verdict === 'NO-GO')).toBe(true);
    expect(ran.stderr).toMatch(
      /webhook: webhook http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/\*\*\*\/\*\*\* failed: HTTP 500 after 3 attempt\(s\)/,
    );
    expect(ran.stderr.match(/webhook: webhook/g)).toHaveLength(1); // one change (the first verdict), one attempt to announce it
    expect(ran.stderr).toMatch(/stopped after \d+ run\(s\); last verdict NO-GO/);
    expect(secretsIn(ran)).toEqual([]);
  });
});

describe('its own output lost (a full disk, a reader gone)', () => {
  /** The worker with stdout (or stderr) on /dev/full, the other stream read here. */
  function monitorInto(stream: 'stdout' | 'stderr', env: Record<string, string>): Promise<Ran> {
    return new Promise((resolve, reject) => {
      const full = openSync('/dev/full', 'w');
      const child = spawn(process.execPath, [bin], {
        env: childEnv(env),
        cwd: tempDir(),
        stdio: ['ignore', stream === 'stdout' ? full : 'pipe', stream === 'stderr' ? full : 'pipe'],
      });
      closeSync(full);
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  it('a single GO run whose stdout is on a full disk (> /dev/full) exits 2 and says so on stderr (embedded database)', async () => {
    // on the embedded database the run ends with no I/O after its table: the write's error came after process.exit
    const db = await seededDatabase(3, { embedded: true });
    const ran = await monitorInto('stdout', { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3' });
    // before: exit 0, nothing on stderr (the write's error came after process.exit): a cron job's report lost, GO
    expect(ran.stderr).toContain(
      'monitor-worker: output: stdout: ENOSPC: no space left on device, write: the runs are no longer shown there',
    );
    expect(ran.code).toBe(2);
    expect((await storedRuns(db.open)).map((r) => r.verdict)).toEqual(['GO']);
  });

  it('a GO loop whose stderr is on a full disk (2> /dev/full) runs, stores every run and exits 2', async () => {
    const db = await seededDatabase(3);
    const ran = await monitorInto('stderr', {
      ...apis.gateEnv(),
      ...db.env,
      TESTERS_TARGET: '3',
      LOOP: '1',
      CHECK_INTERVAL: '1',
      MAX_RUNS: '2',
    });
    // before: its first line ("checking every 1 s") was an uncaught ENOSPC: exit 1 (read as NO-GO), no run at all
    expect(ran.stdout.match(/Verdict: ✅ GO/g)).toHaveLength(2);
    expect(ran.code).toBe(2);
    expect((await storedRuns(db.open)).map((r) => r.verdict)).toEqual(['GO', 'GO']);
  });

  it('a loop whose stdout and stderr readers go away (2>&1 | head -1) goes on storing every run; exit 2 for a GO, no stack', async () => {
    const db = await seededDatabase(3);
    const closed = { stdout: false, stderr: false };
    const close = (child: ReturnType<typeof spawn>, name: 'stdout' | 'stderr') => {
      if (closed[name]) return;
      closed[name] = true;
      child[name]?.destroy();
    };
    const ran = await monitor(
      { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', LOOP: '1', CHECK_INTERVAL: '1', MAX_RUNS: '3' },
      [],
      (_soFar, child) => close(child, 'stdout'),
      tempDir(),
      90_000,
      (child) => child.stderr?.once('data', () => close(child, 'stderr')),
    );
    expect(closed).toEqual({ stdout: true, stderr: true });
    // before: the second run's "output: stdout: closed by its reader" on the closed stderr was an uncaught EPIPE:
    // exit 1 (read as NO-GO), the loop ended after its first run, nothing more stored
    expect(ran.signal).toBeNull();
    expect(ran.code).toBe(2);
    expect((await storedRuns(db.open)).map((r) => r.verdict)).toEqual(['GO', 'GO', 'GO']);
  });
});

describe('a loop stopped by SIGTERM while its stdout reader is behind (a slow pipe, a pager)', () => {
  /**
   * The worker in a GO loop, its stdout a pipe to a reader stopped at the start (`kill -STOP` of itself) whose
   * buffer was filled first: every run's output waits in the worker. Two runs shown, SIGTERM. The reader goes on
   * 1.5 s after the worker said "stopped after" (`resumeAt: 'stopped'`: a slow reader, within the worker's 5 s;
   * the worker of before had exited by then), or only once the worker has exited ('exit').
   */
  async function loopIntoBusyReader(resumeAt: 'stopped' | 'exit'): Promise<{ ran: Ran; read: string }> {
    const db = await seededDatabase(3);
    const reader = spawn('sh', ['-c', 'kill -STOP $$; exec cat'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (d: Buffer) => (read += d.toString('utf8')));
    const readerClosed = new Promise<void>((resolve) => reader.once('close', () => resolve()));
    const stoppedState = () => readFileSync(`/proc/${reader.pid}/stat`, 'utf8').split(') ')[1]?.[0];
    // the shell stops itself once it runs: on a loaded machine that took longer than 500 event-loop turns
    for (const until = Date.now() + 15_000; stoppedState() !== 'T' && Date.now() < until;) await new Promise((r) => setTimeout(r, 10));
    expect(stoppedState()).toBe('T');
    // the pipe's buffer full: what the worker writes next waits in the worker
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    const filler = Buffer.alloc(4096, '.');
    for (;;) {
      try {
        writeSync(fd, filler);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw error;
      }
    }
    let resumed = false;
    const resume = () => {
      if (resumed) return;
      resumed = true;
      reader.kill('SIGCONT');
    };
    const ran = await new Promise<Ran>((resolve, reject) => {
      const child = spawn(process.execPath, [bin], {
        env: childEnv({ ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', LOOP: '1', CHECK_INTERVAL: '1' }),
        cwd: tempDir(),
        stdio: ['ignore', reader.stdin, 'pipe'],
      });
      reader.stdin.destroy(); // the worker's copy is the pipe's only writer
      let stderr = '';
      let signalled = false;
      let resumeTimer: NodeJS.Timeout | undefined;
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString('utf8');
        if (resumeAt === 'stopped' && stderr.includes('stopped after')) resumeTimer ??= setTimeout(resume, 1_500);
      });
      // the third run's probes start once the second run was shown: two runs wait in the worker
      const poll = setInterval(() => {
        if (signalled || apis.requests.filter((r) => r.startsWith('GET /status')).length < 3) return;
        signalled = true;
        child.kill('SIGTERM');
      }, 50);
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearInterval(poll);
        clearTimeout(timer);
        clearTimeout(resumeTimer);
        resolve({ code, signal, stdout: '', stderr });
      });
    });
    resume();
    await readerClosed;
    return { ran, read: read.replace(/^\.+/, '') };
  }

  it('a reader that goes on reading gets every run shown, the last verdict included; exit 0', async () => {
    const { ran, read } = await loopIntoBusyReader('stopped');
    const runs = Number(/stopped after (\d+) run\(s\); last verdict GO/.exec(ran.stderr)?.[1]);
    expect(runs).toBeGreaterThanOrEqual(2);
    // before: the worker exited at the signal, what its reader had not taken yet was lost (no run at all here), exit 0
    expect(read.match(/Verdict: ✅ GO/g)).toHaveLength(runs);
    expect(ran.code).toBe(0);
    expect(ran.stderr).not.toContain('left unwritten');
  });

  it('a reader that does not read is given 5 s: the worker exits 2 for a GO and says its output is lost', async () => {
    const { ran, read } = await loopIntoBusyReader('exit');
    expect(ran.stderr).toMatch(/stopped after \d+ run\(s\); last verdict GO/);
    // before: exit 0, GO, its runs never shown and nothing said
    expect(ran.stderr).toContain(
      "monitor-worker: stopped by a signal; its last output was not taken by stdout's reader within 5000 ms: left unwritten",
    );
    expect(ran.code).toBe(2);
    expect(read).not.toContain('Verdict');
  });
});

/**
 * A TCP relay in front of PostgreSQL that freezes as a stopped server, a hung
 * machine or a partition does: nothing is closed, nothing more is relayed.
 * `freezeOn`: it freezes by itself when the client sends these bytes (a query
 * naming a table). The connections frozen stay frozen for good (a partition
 * that lost their state answers them never again); `thaw()` lets new ones
 * through, as the server does once it is back.
 */
async function freezingRelay(
  target: URL,
  freezeOn?: string,
): Promise<{
  port: number;
  freeze: () => void;
  thaw: () => void;
  /** resolves once frozen */
  frozen: Promise<void>;
  frozenOpen: () => number;
  close: () => Promise<void>;
}> {
  let frozen = false;
  let armed = freezeOn !== undefined; // once: the server that is back answers the same query
  let told = () => {};
  const whenFrozen = new Promise<void>((resolve) => (told = resolve));
  const pairs = new Set<{ frozen: boolean; client: Socket; upstream: Socket }>();
  const freeze = () => {
    frozen = true;
    for (const pair of pairs) pair.frozen = true;
    told();
  };
  const server = createNetServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    const pair = { frozen, client, upstream };
    pairs.add(pair);
    client.on('close', () => pairs.delete(pair));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => {
      if (armed && chunk.includes(freezeOn!)) {
        armed = false;
        freeze();
      }
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => (pair.frozen ? undefined : client.write(chunk)));
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze,
    thaw: () => void (frozen = false),
    frozen: whenFrozen,
    frozenOpen: () => [...pairs].filter((pair) => pair.frozen && !pair.client.destroyed).length,
    close: async () => {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A TCP relay in front of PostgreSQL whose every answer comes `delayMs` late
 * (a loaded server, a long network path): slow, never silent. `opened()`
 * counts the connections made through it (a connection taken for frozen is
 * dropped and another one made).
 */
async function slowRelay(target: URL, delayMs: number): Promise<{ port: number; opened: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let opened = 0;
  const server = createNetServer((client) => {
    opened++;
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => void setTimeout(() => client.destroyed || client.write(chunk), delayMs).unref());
    client.on('end', () => upstream.end());
    upstream.on('end', () => void setTimeout(() => client.end(), delayMs).unref());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    opened: () => opened,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// A PostgreSQL that stops answering once connected (SIGSTOPped, a hung machine, a partition without a reset):
// no statement_timeout fires, nothing is closed. PostgreSQL only: an embedded database runs in the process.
(testBackends().some((b) => b.name === 'postgres') ? describe : describe.skip)('a PostgreSQL that freezes once connected', () => {
  const relayedUrl = (db: { env: Record<string, string> }, port: number, connectTimeout = '1') => {
    const url = new URL(db.env['DATABASE_URL']!);
    url.port = String(port);
    url.searchParams.set('connect_timeout', connectTimeout);
    return url.toString();
  };
  /** A loop through the relay every second, each answer due within 1 s (+ the grace), posting to the webhook. */
  const loopThroughRelay = (db: { env: Record<string, string> }, port: number, more: Record<string, string>, connectTimeout?: string) => ({
    ...apis.gateEnv(),
    DATABASE_URL: relayedUrl(db, port, connectTimeout),
    TESTERS_TARGET: '3',
    LOOP: '1',
    CHECK_INTERVAL: '1',
    GATE_TIMEOUT_MS: '1000',
    GATES_WEBHOOK_URL: apis.webhookUrl,
    ...more,
  });

  it('at the first look at gate_runs: the loop runs anyway (testers ⚪ with the reason, the verdict posted), connects again and stores once it is back (it hung before its first run, for good)', async () => {
    const db = await seededDatabase(3);
    const relay = await freezingRelay(new URL(db.env['DATABASE_URL']!), 'gate_runs');
    let thawed = false;
    try {
      const ran = await monitor(
        // connect_timeout 3 s: once thawed, a new connection (a TCP check, then the first query) on a loaded machine
        // took more than 1 s, and every run's attempt failed by its own deadline
        loopThroughRelay(db, relay.port, { MAX_RUNS: '6' }, '3'),
        [],
        (soFar) => {
          if (thawed || !soFar.includes('Verdict:')) return;
          thawed = true;
          relay.thaw(); // the server is back: new connections answer, the frozen one never will
        },
        tempDir(),
        45_000,
      );
      expect(ran.signal).toBeNull();
      expect(ran.stdout).toMatch(
        /Testers signed up: cannot reach the database at postgres:\/\/\S+: no answer within 3 s \(a stopped server, a hung machine or network\)/,
      );
      expect(ran.stderr).toContain('answers now: verdicts are stored from this run on');
      const verdicts = ran.stdout.match(/Verdict: .*/g) ?? [];
      expect(verdicts[0]).toBe('Verdict: ⚪ INCONCLUSIVE (exit 2)');
      expect(verdicts.at(-1)).toBe('Verdict: ✅ GO (exit 0)');
      expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual(['⚪ **INCONCLUSIVE**', '✅ **GO** (was ⚪ INCONCLUSIVE)']);
      expect(ran.code).toBe(0);
      expect((await storedRuns(db.open)).at(-1)).toMatchObject({ verdict: 'GO' });
      expect(relay.frozenOpen()).toBe(0);
      expect(secretsIn(ran)).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 60_000);

  it('SIGTERM while the start waits on it ends the monitor at once (it was not heard)', async () => {
    const db = await seededDatabase(3);
    const relay = await freezingRelay(new URL(db.env['DATABASE_URL']!), 'gate_runs');
    try {
      // GATE_TIMEOUT_MS 20 s: the answer deadline (22 s) is far beyond the kill below; only the signal can end the wait
      const ran = await monitor(
        { ...apis.gateEnv(), DATABASE_URL: relayedUrl(db, relay.port), TESTERS_TARGET: '3', LOOP: '1', GATE_TIMEOUT_MS: '20000' },
        [],
        undefined,
        tempDir(),
        12_000,
        (child) => void relay.frozen.then(() => child.kill('SIGTERM')),
      );
      expect(ran.signal).toBeNull();
      expect(ran.code).toBe(2);
      expect(ran.stderr).toContain('stopped before the first run');
    } finally {
      await relay.close();
    }
  }, 60_000);

  it('mid-loop, frozen for good: the run ends with testers ⚪, its verdict change still posted, the frozen connection dropped, and the next runs connect again and store', async () => {
    const db = await seededDatabase(3);
    const relay = await freezingRelay(new URL(db.env['DATABASE_URL']!));
    let shown = 0;
    let frozenAtThaw = -1;
    let postedAtThaw: string[] = [];
    try {
      const ran = await monitor(
        loopThroughRelay(db, relay.port, { MAX_RUNS: '7', GATES_RUN_TIMEOUT_MS: '8000' }),
        [],
        (soFar) => {
          const verdicts = soFar.match(/Verdict: /g)?.length ?? 0;
          if (verdicts === shown) return;
          shown = verdicts;
          if (verdicts === 1) apis.scenario.sentryIssues = 2; // the next run is NO-GO
          if (verdicts === 2) relay.freeze(); // run 2 shown, its announcement and store still to come
          if (verdicts === 4) {
            frozenAtThaw = relay.frozenOpen();
            postedAtThaw = apis.webhooks.map((w) => w.content.split(':')[0]!);
            relay.thaw();
          }
        },
        tempDir(),
        80_000,
      );
      expect(ran.signal).toBeNull();
      expect(ran.code).toBe(1);
      expect(frozenAtThaw).toBe(0); // dropped, not kept waiting for an answer that never comes
      // posted while the database was frozen: the announcement did not wait for it past its answer deadline
      expect(postedAtThaw).toEqual(['✅ **GO**', '🔴 **NO-GO** (was ✅ GO)']);
      // the post made alone is not in gate_announcements: the database back, the change may be posted once more
      expect(apis.webhooks.slice(2).map((w) => w.content.split(':')[0])).toEqual(
        apis.webhooks.length > 2 ? ['🔴 **NO-GO** (was ✅ GO)'] : [],
      );
      expect(ran.stderr).toMatch(
        /the database at postgres:\/\/\S+ did not answer within 3 s \(a stopped server, a hung machine or network\); its connection is closed: the next run connects again/,
      );
      expect(ran.stderr).toMatch(/verdict not stored: cannot reach the database at postgres:\/\/\S+: no answer within 3 s/);
      expect(ran.stdout).toMatch(/Testers signed up: cannot reach the database at postgres:\/\/\S+/);
      expect(ran.stderr).toContain('answers now: verdicts are stored from this run on');
      const stored = await storedRuns(db.open);
      expect(stored[0]).toMatchObject({ verdict: 'GO' });
      expect(stored.at(-1)).toMatchObject({ verdict: 'NO-GO' });
      expect(stored.length).toBeLessThan(7); // the frozen runs were not stored
      expect(ran.stderr).not.toContain('did not close');
      expect(secretsIn(ran)).toEqual([]);
    } finally {
      await relay.close();
    }
  }, 90_000);
});

// PostgreSQL only: an embedded database runs in the process.
(testBackends().some((b) => b.name === 'postgres') ? describe : describe.skip)('a PostgreSQL slow but alive', () => {
  it('every answer 1 s late (a statement not prepared yet: two, 2 s within the gate timeout of 3.5 s), within the answer deadline (GATE_TIMEOUT_MS 3.5 s + 2 s): never taken for frozen, every run stored, the change posted once', async () => {
    const db = await seededDatabase(3);
    const relay = await slowRelay(new URL(db.env['DATABASE_URL']!), 1_000);
    try {
      const url = new URL(db.env['DATABASE_URL']!);
      url.port = String(relay.port);
      url.searchParams.set('connect_timeout', '30');
      const ran = await monitor(
        {
          ...apis.gateEnv(),
          DATABASE_URL: url.toString(),
          TESTERS_TARGET: '3',
          LOOP: '1',
          CHECK_INTERVAL: '1',
          MAX_RUNS: '2',
          GATE_TIMEOUT_MS: '3500',
          GATES_RUN_TIMEOUT_MS: '40000',
          GATES_WEBHOOK_URL: apis.webhookUrl,
        },
        [],
        undefined,
        tempDir(),
        110_000,
      );
      expect(ran.signal).toBeNull();
      expect(ran.stderr).not.toMatch(/did not answer|no answer within|not stored|cannot reach/);
      expect(ran.code).toBe(0);
      expect((ran.stdout.match(/Verdict: .*/g) ?? []).length).toBe(2);
      expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual(['✅ **GO**']);
      expect((await storedRuns(db.open)).map((r) => r.verdict)).toEqual(['GO', 'GO']);
      expect(relay.opened()).toBeLessThanOrEqual(3); // the probe, the pool's connection(s): none opened again
    } finally {
      await relay.close();
    }
  }, 120_000);
});

describe('deadlines: a gate upstream that accepts and never answers, garbage collected all the time', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.stop());

  /** Every gate at the silent server, 1.5 s per gate. */
  const hangingEnv = () => ({
    ...apis.gateEnv(),
    SENTRY_URL: silent.url,
    STATUSPAGE_URL: silent.url,
    PROM_URL: silent.url,
    GITHUB_API_URL: silent.url,
    GATE_TIMEOUT_MS: '1500',
    NODE_OPTIONS: forcedGcNodeOptions(tempDir()),
  });

  it('a single run ends ⚪ (exit 2) by the gate timeout, five times in a row', async () => {
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      const ran = await monitor(hangingEnv(), ['--json']);
      const wall = Date.now() - t0;
      expect(ran.code).toBe(2);
      const report = JSON.parse(ran.stdout) as { startedAt: string; finishedAt: string; gates: { id: string; reason: string | null }[] };
      expect(report.gates.filter((g) => g.reason === 'timeout').map((g) => g.id)).toEqual([
        'sentry',
        'statuspage',
        'synthetic',
        'k6',
        'high_issues',
      ]);
      // the run itself: the 1.5 s budget plus a small margin; the whole process: plus the start of node and tsx
      expect(Date.parse(report.finishedAt) - Date.parse(report.startedAt)).toBeLessThan(1_500 + 2_000);
      expect(wall).toBeLessThan(1_500 + 10_000);
    }
  });

  it('a loop with MAX_RUNS=3 completes its three runs', async () => {
    // UNKNOWN_MAX_MINUTES: 4 × CHECK_INTERVAL (4 s) would escalate a slow third run; this test is about the runs ending
    const ran = await monitor({ ...hangingEnv(), LOOP: '1', CHECK_INTERVAL: '1', MAX_RUNS: '3', UNKNOWN_MAX_MINUTES: '10' }, ['--json']);
    expect(ran.code).toBe(2);
    const lines = ran.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { verdict: string });
    expect(lines.map((l) => l.verdict)).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE']);
  });

  it('a webhook that never answers is cut at the run deadline (GATES_RUN_TIMEOUT_MS); the loop goes on', async () => {
    const t0 = Date.now();
    const ran = await monitor(
      {
        ...apis.gateEnv(),
        GATE_TIMEOUT_MS: '1000',
        GATES_RUN_TIMEOUT_MS: '3000',
        LOOP: '1',
        CHECK_INTERVAL: '1',
        MAX_RUNS: '2',
        UNKNOWN_MAX_MINUTES: '10',
        GATES_WEBHOOK_URL: `${silent.url}/api/webhooks/1/${FAKE_TOKENS.webhook}`,
        NODE_OPTIONS: forcedGcNodeOptions(tempDir()),
      },
      ['--json'],
    );
    expect(ran.code).toBe(2); // testers not configured: ⚪
    expect(ran.stdout.trim().split('\n')).toHaveLength(2);
    expect(ran.stderr).toMatch(/webhook: not done by the run deadline \(\d+ ms left\): left behind/);
    expect(Date.now() - t0).toBeLessThan(2 * 3_000 + 10_000);
    expect(secretsIn(ran)).toEqual([]);
  });
});

describe('a DATABASE_URL that is not PostgreSQL', () => {
  it.each(['http', 'silent'] as const)(
    '%s server: the gates still answer by their deadline, testers ⚪, the database named without its password',
    async (mode) => {
      const impostor = await startNotPostgresServer(mode);
      try {
        const t0 = Date.now();
        const ran = await monitor({ ...apis.gateEnv(), DATABASE_URL: `${impostor.databaseUrl}?connect_timeout=2`, TESTERS_TARGET: '3' }, [
          '--json',
        ]);
        expect(Date.now() - t0).toBeLessThan(2_000 + 10_000);
        expect(ran.code).toBe(2);
        expect(ran.stderr).toContain(
          `verdicts are not stored: INVITES_DB_UNREACHABLE: cannot reach the database at postgres://ops:***@127.0.0.1:${impostor.port}/veza?connect_timeout=2: `,
        );
        expect(ran.stderr).not.toContain('hunter2');
        const report = JSON.parse(ran.stdout) as { gates: { id: string; state: string; reason: string | null }[] };
        expect(report.gates.find((g) => g.id === 'testers')).toMatchObject({ state: 'unknown', reason: 'unavailable' });
        expect(impostor.connections).toBeLessThanOrEqual(mode === 'http' ? 1 : 2);
      } finally {
        await impostor.stop();
      }
    },
  );
});

describe('escalation measures time, not runs (cron)', () => {
  it('a single run after a gate has been ⚪ for longer than UNKNOWN_MAX_MINUTES (stored) turns it 🔴; a fresh ⚪ does not', async () => {
    const db = await seededDatabase(3);
    apis.scenario.prom = 'down';
    const conn = await openDatabase(db.open);
    const since = new Date(Date.now() - 30 * 60_000).toISOString();
    const state: EscalationState = {
      ...initialEscalationState(),
      verdict: 'INCONCLUSIVE',
      unknownSince: { ...initialEscalationState().unknownSince, synthetic: since },
    };
    try {
      await recordGateRun(conn.db, {
        run: { startedAt: since, finishedAt: since, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] },
        state,
      });
    } finally {
      await conn.close();
    }
    const env = { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3' };
    const late = await monitor(env, ['--once']);
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(/Synthetic parcours +🔴 FAIL/);
    expect(late.stdout).toContain(`⚪ for 30 min since ${since} (more than 20 min`);
    apis.scenario.prom = ['1'];
    expect((await monitor(env, ['--once'])).code).toBe(0);
    apis.scenario.prom = 'down';
    expect((await monitor(env, ['--once'])).code).toBe(2);
  });
  it('a run stored by an older veza-beta (state of version 1) after ours does not start the ⚪ clocks again', async () => {
    const db = await seededDatabase(3);
    apis.scenario.prom = 'down';
    const conn = await openDatabase(db.open);
    const since = new Date(Date.now() - 30 * 60_000).toISOString();
    const now = new Date().toISOString();
    try {
      await recordGateRun(conn.db, {
        run: { startedAt: since, finishedAt: since, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [], source: 'monitor' } as GateRun,
        state: {
          ...initialEscalationState(),
          verdict: 'INCONCLUSIVE',
          unknownSince: { ...initialEscalationState().unknownSince, synthetic: since },
        },
      });
      // a teammate's `gates check` of 2026-11-23, as it stored it: no source, counts of runs instead of start times
      const streaks = { testers: 0, sentry: 0, statuspage: 0, synthetic: 0, k6: 0, high_issues: 0 };
      await recordGateRun(conn.db, {
        run: { startedAt: now, finishedAt: now, verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] },
        state: { schemaVersion: 1, verdict: 'INCONCLUSIVE', unknownStreaks: streaks },
      });
    } finally {
      await conn.close();
    }
    const late = await monitor({ ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3' }, ['--once']);
    // Before: the version-1 state was the newest, read as a fresh start: ⚪ again (exit 2), and so at every run beside it.
    expect(late.code).toBe(1);
    expect(late.stdout).toMatch(/Synthetic parcours +🔴 FAIL/);
    expect(late.stdout).toContain(`⚪ for 30 min since ${since}`);
  });
  it('a run stored by a host whose clock was a year ahead does not freeze the state: the next runs escalate and announce once', async () => {
    const db = await seededDatabase(3);
    apis.scenario.prom = 'down';
    const conn = await openDatabase(db.open);
    const ahead = '2027-11-29T12:00:00.000Z';
    try {
      await recordGateRun(conn.db, {
        run: { startedAt: ahead, finishedAt: ahead, verdict: 'GO', exitCode: 0, gates: [], source: 'monitor' } as GateRun,
        state: { ...initialEscalationState(), verdict: 'GO', announced: 'GO' },
      });
    } finally {
      await conn.close();
    }
    // cron: one run at a time, ⚪ may last 1.2 s
    const env = { ...apis.gateEnv(), ...db.env, TESTERS_TARGET: '3', UNKNOWN_MAX_MINUTES: '0.02', GATES_WEBHOOK_URL: apis.webhookUrl };
    const codes = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await monitor(env, ['--once'])).code);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    // Before: every run read the 2027 state (announced GO, ⚪ clock in the future): exit 2 three times, never 🔴, the same post three times.
    expect(codes).toEqual([2, 1, 1]);
    expect(apis.webhooks.map((w) => w.content.split(':')[0])).toEqual([
      '⚪ **INCONCLUSIVE** (was ✅ GO)',
      '🔴 **NO-GO** (was ⚪ INCONCLUSIVE)',
    ]);
  });
});
