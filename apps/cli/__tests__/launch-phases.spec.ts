import { expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { forcedGcNodeOptions } from '@veza/gate-probes/testing';
import { startSilentServer } from '@veza/test-support';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { createInvites, markInviteSent, recordGateRun, redeemInvite } from '@veza/invites-db';
import { freshDatabaseEnv, openEnvDatabase } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';
import { discordInvite, startStandIn } from './launch-stand-ins.js';
import type { StandIn } from './launch-stand-ins.js';

const PD_TOKEN = 'pd_TESTTOKEN_9ZkQ2';
let cwd: string;
let standIn: StandIn;
beforeAll(async () => {
  standIn = await startStandIn({
    // PagerDuty REST v2: one acknowledged incident on the service
    '/incidents': () => ({
      json: {
        incidents: [
          {
            id: 'Q1',
            incident_number: 7,
            title: 'Uploads slow',
            status: 'acknowledged',
            urgency: 'high',
            service: { id: 'PAPI', summary: 'API' },
          },
        ],
        limit: 100,
        offset: 0,
        more: false,
        total: null,
      },
    }),
    '/health': () => ({ json: { status: 'ok', version: '2.0.0' } }),
    // MinIO without write quorum
    '/minio/health/cluster': () => ({ status: 503, text: '' }),
    // Prometheus: 0 offline drives, and a 5xx ratio of 3 %
    '/api/v1/query': (_req, url) => ({
      json: {
        status: 'success',
        data: {
          resultType: 'vector',
          result: [{ metric: {}, value: [1780000000, url.searchParams.get('query')?.includes('minio') ? '0' : '0.03'] }],
        },
      },
    }),
  });
  cwd = mkdtempSync(join(tmpdir(), 'veza-phases-'));
  await freshDatabaseEnv(testBackends()[0]!, cwd); // migrated, where the CLI looks by default
}, 60_000);
afterAll(async () => {
  await standIn.stop();
  rmSync(cwd, { recursive: true, force: true });
});

interface Item {
  title: string;
  status: string;
  detail: string;
}

it('d-day: each source answers in its real format; a red item names what it saw, the token never shows, exit 1', async () => {
  const env = {
    PAGERDUTY_TOKEN: PD_TOKEN,
    PAGERDUTY_URL: standIn.url,
    PAGERDUTY_SERVICE_IDS: 'PAPI',
    HEALTH_URL: `${standIn.url}/health`,
    MINIO_URL: standIn.url,
    PROM_URL: standIn.url,
    // the credentials a drill command carries never reach the report: the variable and the program only
    DRILL_CHECK_CMD: 'PGPASSWORD=drill-s3cret-pw echo drill 2026-11-25 ok',
  };
  const run = await runVezaBeta(['preflight', '--phase', 'd-day', '--json'], { cwd, env });
  expect(run.code).toBe(1);
  const { phase, items } = JSON.parse(run.stdout) as { phase: string; items: Item[] };
  expect(phase).toBe('d-day');
  const item = (t: string) => items.find((i) => i.title.startsWith(t));
  expect(item('No PagerDuty incident open')).toMatchObject({
    status: 'fail',
    detail: expect.stringContaining('#7 Uploads slow (acknowledged)'),
  });
  expect(item('Backend health check green')).toMatchObject({ status: 'pass' });
  expect(item('MinIO cluster has write quorum')).toMatchObject({ status: 'fail', detail: expect.stringContaining('503') });
  expect(item('MinIO drives all online (Prometheus)')).toMatchObject({ status: 'pass' });
  expect(item('pgBackRest restore drill')).toMatchObject({
    status: 'pass',
    detail: 'DRILL_CHECK_CMD exited 0: drill 2026-11-25 ok (DRILL_CHECK_CMD (echo …))',
  });
  expect(run.stdout + run.stderr).not.toContain('drill-s3cret-pw');
  expect(item('Last dispatch')).toMatchObject({ status: 'skipped' });
  expect(run.stdout + run.stderr).not.toContain(PD_TOKEN);
  expect(standIn.seen.find((s) => s.path.startsWith('/incidents'))?.authorization).toBe(`Token token=${PD_TOKEN}`);
}, 60_000);

it('hour-1: 5xx over the ceiling is red, no redemption is red; a bad setting is exit 3 naming it', async () => {
  const run = await runVezaBeta(['preflight', '--phase', 'hour-1', '--markdown'], {
    cwd,
    env: { PROM_URL: standIn.url, PROM_5XX_MAX: '0.02' },
  });
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('# Launch-day checklist: hour-1');
  expect(run.stdout).toContain('- [ ] ❌ FAIL **5xx ratio over the last hour under PROM_5XX_MAX**: 5xx ratio 3.00 % (max 2.00 %): a spike');
  expect(run.stdout).toContain('- [ ] ❌ FAIL **First sign-up landed (≥ 1 redemption)**: 0 redeemed');
  expect(run.stdout).toContain(
    '- [ ] ⏭️ not checked **Discord has a message since the send**: not checked (set DISCORD_URL and DISCORD_BOT_TOKEN)',
  );
  const bad = await runVezaBeta(['preflight', '--phase', 'hour-1'], {
    cwd,
    // a time without a zone would be read in the machine's TZ: refused, whatever TZ is
    env: {
      HEALTH_URL: 'not a url',
      PROM_5XX_MAX: '-1',
      DISCORD_BOT_TOKEN: 'bot-secret-token',
      BETA_START: '2026-12-01T15:00:00',
      BETA_END: '12/14/2026',
      TZ: 'America/Sao_Paulo',
    },
  });
  expect(bad.code).toBe(3);
  // Every problem listed, the way every command reports bad settings; no token in the output.
  expect(bad.stderr).toContain('veza-beta: configuration error: HEALTH_URL must be an http(s) URL\n');
  expect(bad.stderr).toContain('veza-beta: configuration error: PROM_5XX_MAX must be a number ≥ 0\n');
  for (const name of ['BETA_START', 'BETA_END'])
    expect(bad.stderr).toContain(`veza-beta: configuration error: ${name} must be ISO 8601 with Z or an offset, e.g. 2026-12-01T16:00:00Z`);
  expect(bad.stdout + bad.stderr).not.toContain('bot-secret-token');
}, 60_000);

it('d-day against servers that never answer, with garbage collected all the time: every check ends ⚪ timeout by its own deadline', async () => {
  const silent = await startSilentServer();
  try {
    const run = await runVezaBeta(['preflight', '--phase', 'd-day', '--json'], {
      cwd,
      env: {
        GATE_TIMEOUT_MS: '800',
        PAGERDUTY_TOKEN: PD_TOKEN,
        PAGERDUTY_URL: silent.url,
        HEALTH_URL: `${silent.url}/health`,
        MINIO_URL: silent.url,
        DRILL_CHECK_CMD: 'sleep 0.1',
        NODE_OPTIONS: forcedGcNodeOptions(cwd),
      },
    });
    // No time bound here (one of 15 s failed on a loaded CI machine): the proof is each item's reason, "no
    // answer within 800 ms"; a check without its deadline would hang on the silent server until jest's timeout.
    const { items } = JSON.parse(run.stdout) as { items: Item[] };
    for (const title of ['No PagerDuty incident open', 'Backend health check green', 'MinIO cluster has write quorum']) {
      expect(items.find((i) => i.title === title)).toMatchObject({
        status: 'unknown',
        detail: expect.stringContaining('timeout: no answer within 800 ms'),
      });
    }
    expect(run.stdout).not.toContain(PD_TOKEN);
    expect(run.code).toBe(1);
  } finally {
    await silent.stop();
  }
}, 60_000);

describe('"Gate monitor running" counts the monitor\'s runs only', () => {
  it('a one-off gates check is no monitor; a run the monitor stored (or one stored before runs said who ran them) is', async () => {
    const pglite = testBackends().find((b) => b.name === 'pglite')!;
    const dir = mkdtempSync(join(tmpdir(), 'veza-monitor-item-'));
    try {
      const env = await freshDatabaseEnv(pglite, dir);
      const item = async () => {
        const run = await runVezaBeta(['preflight', '--phase', 'every-4h', '--json'], { cwd: dir, env });
        return (JSON.parse(run.stdout) as { items: { title: string; status: string; detail: string }[] }).items.find((i) =>
          i.title.startsWith('Gate monitor running'),
        )!;
      };
      expect((await runVezaBeta(['gates', 'check'], { cwd: dir, env })).code).toBe(2); // stores a run
      const none = await item();
      expect(none).toMatchObject({ status: 'fail', detail: expect.stringContaining('no gate run stored by the monitor') });
      expect(JSON.stringify(none).match(/LOOP=1 npm run monitor/g)).toHaveLength(1); // the advice once, not in the detail and the fix
      const conn = await openEnvDatabase(env);
      try {
        const now = new Date().toISOString();
        await recordGateRun(conn.db, {
          run: { startedAt: now, finishedAt: now, verdict: 'INCONCLUSIVE', exitCode: 2, source: 'monitor' },
          state: {},
        });
      } finally {
        await conn.close();
      }
      expect(await item()).toMatchObject({ status: 'pass' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

it('hour-1 counts from BETA_START, not from the first email ever sent: a test send redeemed before the launch does not tick it', async () => {
  const pglite = testBackends().find((b) => b.name === 'pglite')!;
  const own = mkdtempSync(join(tmpdir(), 'veza-hour1-'));
  const channel = '81384788765712385';
  const afters: string[] = [];
  const discord = await startStandIn({
    '/api/v10/invites/veza': discordInvite('beta-feedback'),
    // the channel's messages after the `after` snowflake asked for: none (the team's hello before the launch is not after it)
    [`/api/v10/channels/${channel}/messages`]: (_request, url) => {
      afters.push(url.searchParams.get('after') ?? '');
      return { json: [] };
    },
  });
  try {
    const env = await freshDatabaseEnv(pglite, own);
    // the test send: an invite emailed and redeemed by the operator before the launch
    const conn = await openEnvDatabase(env);
    try {
      const [test] = await createInvites(conn.db, [{ email: 'ops@veza.fr', cohort: 'test-cohort' }]);
      if (test?.status !== 'created') throw new Error('fixture invite not created');
      await markInviteSent(conn.db, test.id);
      expect((await redeemInvite(conn.db, test.code)).ok).toBe(true);
    } finally {
      await conn.close();
    }
    const launch = new Date(Date.now() + 1_000); // the launch comes after: BETA_START
    const run = await runVezaBeta(['preflight', '--phase', 'hour-1', '--json'], {
      cwd: own,
      env: {
        ...env,
        BETA_START: launch.toISOString(),
        DISCORD_URL: 'https://discord.gg/veza',
        DISCORD_BOT_TOKEN: 'bot-token-hour1',
        DISCORD_API_URL: `${discord.url}/api/v10`,
      },
    });
    const items = (JSON.parse(run.stdout) as { items: { title: string; status: string; detail: string }[] }).items;
    const signUp = items.find((i) => i.title === 'First sign-up landed (≥ 1 redemption)')!;
    expect([signUp.status, signUp.detail]).toEqual(['fail', expect.stringMatching(/^0 redeemed since \S+Z \(BETA_START\)/)]);
    const messages = items.find((i) => i.title === 'Discord has a message since the send')!;
    expect([messages.status, messages.detail.startsWith(`no message from a tester since ${launch.toISOString()} (BETA_START)`)]).toEqual([
      'fail',
      true,
    ]);
    // the messages asked for are those after the launch, not after the test send
    expect(afters).toEqual([((BigInt(launch.getTime()) - 1_420_070_400_000n) << 22n).toString()]);
  } finally {
    await discord.stop();
    rmSync(own, { recursive: true, force: true });
  }
}, 60_000);
