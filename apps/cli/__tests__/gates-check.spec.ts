/**
 * `veza-beta gates check` as the operator runs it (real child processes):
 * the same flags as monitor-worker (a mistake is exit 3), a run that ends ⚪
 * by its deadline against an upstream that never answers while the garbage
 * collector runs all the time, and one-off checks that never escalate.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forcedGcNodeOptions } from '@veza/gate-probes/testing';
import { childEnv, startSilentServer } from '@veza/test-support';
import type { SilentServer } from '@veza/test-support';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { freshDatabaseEnv } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';

let cwd: string;
let silent: SilentServer;
beforeAll(async () => {
  silent = await startSilentServer();
});
afterAll(() => silent.stop());
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-gates-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Every HTTP gate at the silent server. */
const hanging = (timeoutMs: number) => ({
  SENTRY_AUTH_TOKEN: 'sntrys_FAKE_CLI_0123456789',
  SENTRY_ORG: 'veza',
  SENTRY_URL: silent.url,
  STATUSPAGE_URL: silent.url,
  PROM_URL: silent.url,
  GITHUB_API_URL: silent.url,
  GITHUB_TOKEN: 'ghp_FAKE_CLI_0123456789abcdef',
  GITHUB_REPO: 'veza/app',
  K6_WORKFLOW: 'k6-nightly.yml',
  GATE_TIMEOUT_MS: String(timeoutMs),
});

describe('veza-beta gates check', () => {
  it.each([
    [['--junitt', 'g.xml'], 'Unknown argument: junitt'],
    [['--junit'], '--junit needs a file name'],
    [['--json', '--markdown'], 'both want stdout'],
  ])('%j is a configuration error, exit 3, before probing', async (args, message) => {
    const run = await runVezaBeta(['gates', 'check', ...args], { cwd, env: hanging(60_000) });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`veza-beta gates check: configuration error: `);
    expect(run.stderr).toContain(message);
    expect(silent.connections).toBe(0);
  });

  it('UNKNOWN_LIMIT (a count of runs) is refused with what replaced it', async () => {
    const run = await runVezaBeta(['gates', 'check'], { cwd, env: { UNKNOWN_LIMIT: '4' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('set UNKNOWN_MAX_MINUTES (default 4 × CHECK_INTERVAL) instead');
  });

  it('against an upstream that never answers, with garbage collection forced: ⚪ exit 2 by the gate timeout, three times in a row', async () => {
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      const run = await runVezaBeta(['gates', 'check', '--json'], {
        cwd,
        env: { ...hanging(1_500), NODE_OPTIONS: forcedGcNodeOptions(cwd) },
      });
      expect(run.code).toBe(2);
      const report = JSON.parse(run.stdout) as { startedAt: string; finishedAt: string; gates: { id: string; reason: string | null }[] };
      expect(report.gates.filter((g) => g.reason === 'timeout')).toHaveLength(5);
      expect(Date.parse(report.finishedAt) - Date.parse(report.startedAt)).toBeLessThan(1_500 + 2_000);
      expect(Date.now() - t0).toBeLessThan(1_500 + 15_000);
      expect(run.stdout + run.stderr).not.toContain('FAKE_CLI');
    }
  });

  it('a --junit path that blocks (a FIFO nobody reads) is left behind at the run deadline and named; --markdown is written, the command ends', async () => {
    const fifo = join(cwd, 'gates.xml');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    const run = await runVezaBeta(['gates', 'check', '--junit', fifo, '--markdown', join(cwd, 'gates.md')], {
      cwd,
      env: { ...hanging(1_000), GATES_RUN_TIMEOUT_MS: '4000' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`output: not written by the run deadline, left behind: --junit ${fifo}`);
    expect(readFileSync(join(cwd, 'gates.md'), 'utf8')).toContain('beta gates');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('LOOP=1 MAX_RUNS=3 against that upstream completes its three runs', async () => {
    const run = await runVezaBeta(['gates', 'check', '--json'], {
      cwd,
      env: {
        ...hanging(1_000),
        LOOP: '1',
        CHECK_INTERVAL: '1',
        MAX_RUNS: '3',
        UNKNOWN_MAX_MINUTES: '10',
        NODE_OPTIONS: forcedGcNodeOptions(cwd),
      },
    });
    expect(run.code).toBe(2);
    expect(
      run.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { verdict: string }).verdict),
    ).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'INCONCLUSIVE']);
  });

  it('LOOP=1 with stdout closed by its reader (| head) goes on to its last run and exits with the verdict, not 0', async () => {
    // a status page in a major outage: NO-GO, exit 1
    let hits = 0;
    const page = createServer((_req, res) => {
      hits++;
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ status: { indicator: 'major', description: 'Major outage' }, incidents: [] }));
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
    try {
      const env = childEnv({
        CI: 'true',
        STATUSPAGE_URL: `http://127.0.0.1:${(page.address() as AddressInfo).port}`,
        LOOP: '1',
        CHECK_INTERVAL: '1',
        MAX_RUNS: '3',
      });
      const child = spawn(process.execPath, [BIN, 'gates', 'check', '--json'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.once('data', () => child.stdout.destroy()); // the reader goes away after the first run
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      // before: the EPIPE exited at once with process.exitCode ?? 0: a NO-GO loop ended "0" after its first run
      expect(code).toBe(1);
      expect(stderr).toContain('output: stdout: closed by its reader (EPIPE): the runs are no longer shown there');
      expect(hits).toBe(3); // the three runs still happened (storing and announcing go on the same way)
    } finally {
      await new Promise((resolve) => page.close(resolve));
    }
  });

  it.each(testBackends())('four quick one-off checks never escalate ⚪ to 🔴 (verdicts stored on $name)', async (backend) => {
    let env: Record<string, string> = { PROM_URL: silent.url, GATE_TIMEOUT_MS: '300' };
    if (backend.name === 'postgres') {
      const conn = await openTestDatabase(backend);
      env = { ...env, DATABASE_URL: conn.url! };
      await conn.close();
    } else {
      await freshDatabaseEnv(backend, cwd); // migrated, where the CLI looks by default
    }
    const codes: (number | null)[] = [];
    for (let i = 0; i < 4; i++) {
      const run = await runVezaBeta(['gates', 'check'], { cwd, env });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/Synthetic parcours +⚪ unknown/);
      codes.push(run.code);
    }
    expect(codes).toEqual([2, 2, 2, 2]);
  });
});
