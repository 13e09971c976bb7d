import { describe, expect, it } from '@jest/globals';
import { MONITOR_DEFAULTS, monitorSettingsFromEnv, parseMonitorArgs } from './monitor-settings.js';
import type { MonitorArgs } from './monitor-settings.js';

const none: MonitorArgs = { json: false, junit: null, markdown: null, once: false, help: false };

describe('parseMonitorArgs', () => {
  it.each([
    [[], none],
    [['--json', '--junit', 'g.xml'], { ...none, json: true, junit: 'g.xml' }],
    [['--markdown'], { ...none, markdown: '-' }],
    [['--markdown', '--once'], { ...none, markdown: '-', once: true }],
    [['--markdown', 'gates.md'], { ...none, markdown: 'gates.md' }],
    [['--markdown=gates.md', '--junit=g.xml'], { ...none, markdown: 'gates.md', junit: 'g.xml' }],
  ])('%j', (argv, expected) => {
    expect(parseMonitorArgs(argv)).toEqual({ ok: true, value: expected });
  });

  it('names what it refuses', () => {
    expect(parseMonitorArgs(['--junit', '--json', '--loop'])).toEqual({ ok: false, errors: ['--junit needs a file name', 'unknown argument "--loop"'] });
    expect(parseMonitorArgs(['--json', '--markdown'])).toMatchObject({ ok: false, errors: [expect.stringContaining('both want stdout')] });
  });
});

describe('monitorSettingsFromEnv', () => {
  it('has every default in MONITOR_DEFAULTS', () => {
    const s = monitorSettingsFromEnv({}, none);
    expect(s).toMatchObject({ ok: true, value: { loop: false, intervalMs: MONITOR_DEFAULTS.checkIntervalSeconds * 1_000, unknownLimit: 4, maxRuns: null, webhookUrl: null, databaseGiven: false } });
  });

  it('reads the seed habits; --once wins over LOOP', () => {
    const env = { LOOP: '1', CHECK_INTERVAL: '1.5', UNKNOWN_LIMIT: '2', MAX_RUNS: '3', GATES_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/t', VEZA_DATA_DIR: '/tmp/x' };
    expect(monitorSettingsFromEnv(env, none)).toMatchObject({ ok: true, value: { loop: true, intervalMs: 1_500, unknownLimit: 2, maxRuns: 3, databaseGiven: true } });
    expect(monitorSettingsFromEnv(env, { ...none, once: true })).toMatchObject({ ok: true, value: { loop: false } });
  });

  it('refuses invalid values, naming the variable and never echoing the webhook URL', () => {
    const result = monitorSettingsFromEnv({ LOOP: 'maybe', CHECK_INTERVAL: '0', UNKNOWN_LIMIT: '1.5', MAX_RUNS: '-1', GATES_WEBHOOK_URL: 'discord.com/api/webhooks/1/s3cr3t' }, none);
    expect(result).toEqual({
      ok: false,
      errors: [
        'LOOP must be 1 or 0 (got "maybe")',
        'CHECK_INTERVAL must be a number ≥ 1 (got "0")',
        'UNKNOWN_LIMIT must be an integer ≥ 1 (got "1.5")',
        'MAX_RUNS must be an integer ≥ 1 (got "-1")',
        'GATES_WEBHOOK_URL is not an http(s) URL',
      ],
    });
  });
});
