import { describe, expect, it } from '@jest/globals';
import { problemText } from '@veza/invite-rules';
import { GATE_DEFAULTS } from '../config.js';
import { MONITOR_DEFAULTS, monitorSettingsFromEnv } from './monitor-settings.js';

describe('monitorSettingsFromEnv', () => {
  it('has every default in MONITOR_DEFAULTS: ⚪ may last 4 × CHECK_INTERVAL, a run 30 s', () => {
    expect(monitorSettingsFromEnv({})).toMatchObject({
      ok: true,
      value: {
        loop: false,
        intervalMs: 300_000,
        unknownMaxMs: 20 * 60_000,
        runTimeoutMs: MONITOR_DEFAULTS.runTimeoutMs,
        maxRuns: null,
        webhookUrl: null,
        database: null,
        gates: { timeoutMs: GATE_DEFAULTS.timeoutMs },
      },
    });
  });

  it('reads the seed habits; UNKNOWN_MAX_MINUTES follows CHECK_INTERVAL unless set; --once wins over LOOP', () => {
    const env = {
      LOOP: '1',
      CHECK_INTERVAL: '60',
      MAX_RUNS: '3',
      GATES_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/t',
      VEZA_DATA_DIR: '/tmp/x',
    };
    expect(monitorSettingsFromEnv(env)).toMatchObject({
      ok: true,
      value: { loop: true, intervalMs: 60_000, unknownMaxMs: 4 * 60_000, maxRuns: 3, database: { dataDir: '/tmp/x/db' } },
    });
    expect(monitorSettingsFromEnv({ ...env, UNKNOWN_MAX_MINUTES: '0.5' })).toMatchObject({ ok: true, value: { unknownMaxMs: 30_000 } });
    expect(monitorSettingsFromEnv(env, { once: true })).toMatchObject({ ok: true, value: { loop: false } });
  });

  it('gives a longer gate budget a longer run deadline by default', () => {
    expect(monitorSettingsFromEnv({ GATE_TIMEOUT_MS: '60000' })).toMatchObject({ ok: true, value: { runTimeoutMs: 80_000 } });
    expect(monitorSettingsFromEnv({ GATE_TIMEOUT_MS: '2000', GATES_RUN_TIMEOUT_MS: '5000' })).toMatchObject({
      ok: true,
      value: { runTimeoutMs: 5_000 },
    });
  });

  it('refuses durations a timer cannot hold or that round to nothing, instead of firing at once', () => {
    // Node fires a setTimeout longer than 2^31 − 1 ms (24.8 days) after 1 ms: such values must be refused (exit 3).
    const result = monitorSettingsFromEnv({
      CHECK_INTERVAL: '3000000',
      GATES_RUN_TIMEOUT_MS: '3000000000',
      UNKNOWN_MAX_MINUTES: '0.000001',
      PROM_URL: 'http://reader:pr0m-pass@prometheus:9090',
    });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map(problemText)).toEqual([
      'CHECK_INTERVAL must be a number ≥ 1 and ≤ 86400 (got "3000000")',
      'UNKNOWN_MAX_MINUTES must be a number ≥ 0.02 and ≤ 525600 (got "0.000001")',
      'GATES_RUN_TIMEOUT_MS must be an integer ≥ 1000 and ≤ 3600000 (got "3000000000")',
      'PROM_URL has a user name or password in it, which is not sent: remove it and use the API token setting',
    ]);
    expect(JSON.stringify(result)).not.toContain('pr0m-pass');
    expect(monitorSettingsFromEnv({ CHECK_INTERVAL: '86400', UNKNOWN_MAX_MINUTES: '0.02', GATES_RUN_TIMEOUT_MS: '3600000' })).toMatchObject(
      {
        ok: true,
        value: { intervalMs: 86_400_000, unknownMaxMs: 1_200, runTimeoutMs: 3_600_000 },
      },
    );
  });

  it('refuses invalid values, naming the variable, never echoing the webhook URL; the gates’ errors too', () => {
    const result = monitorSettingsFromEnv({
      LOOP: 'maybe',
      CHECK_INTERVAL: '0',
      UNKNOWN_MAX_MINUTES: '0',
      UNKNOWN_LIMIT: '4',
      MAX_RUNS: '-1',
      GATES_WEBHOOK_URL: 'discord.com/api/webhooks/1/s3cr3t',
      GATE_TIMEOUT_MS: '5000',
      GATES_RUN_TIMEOUT_MS: '5000',
      PROM_URL: 'prometheus:9090',
    });
    if (result.ok) throw new Error('expected problems');
    expect(result.warnings).toEqual([]);
    expect(result.problems.map(problemText)).toEqual([
      'LOOP must be 1 or 0 (got "maybe")',
      'CHECK_INTERVAL must be a number ≥ 1 and ≤ 86400 (got "0")',
      'UNKNOWN_MAX_MINUTES must be a number ≥ 0.02 and ≤ 525600 (got "0")',
      'UNKNOWN_LIMIT (a count of runs) is no longer read: escalation measures time; set UNKNOWN_MAX_MINUTES (default 4 × CHECK_INTERVAL) instead',
      'MAX_RUNS must be an integer ≥ 1 (got "-1")',
      'GATES_WEBHOOK_URL is not an http(s) URL',
      'PROM_URL is not an http(s) URL',
    ]);
    expect(JSON.stringify(result)).not.toContain('s3cr3t');
    expect(monitorSettingsFromEnv({ GATE_TIMEOUT_MS: '5000', GATES_RUN_TIMEOUT_MS: '5000' })).toMatchObject({
      ok: false,
      problems: [
        {
          field: 'GATES_RUN_TIMEOUT_MS',
          message: '(5000 ms) must be more than GATE_TIMEOUT_MS (5000 ms): the run deadline includes the gates',
        },
      ],
    });
  });

  it('a DATABASE_URL that is not PostgreSQL is one more problem, its password never shown', () => {
    const result = monitorSettingsFromEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x', LOOP: 'x' });
    if (result.ok) throw new Error('expected problems');
    expect(result.problems.map((p) => p.field)).toEqual(['LOOP', 'DATABASE_URL']);
    expect(JSON.stringify(result)).not.toContain('hunter2');
  });
});
