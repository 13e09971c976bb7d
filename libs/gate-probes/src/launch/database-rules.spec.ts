import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from '@jest/globals';
import { decisionRecordedCheck, firstRedemptionCheck, lastDispatchCheck, monitorFreshCheck } from '../index.js';

const now = new Date('2026-12-01T18:00:00.000Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);

describe('launch-day rules over database facts', () => {
  it('monitor fresh: younger than 2 × CHECK_INTERVAL ✅, older 🔴, never run 🔴', () => {
    expect(monitorFreshCheck(ago(599), 300, now)).toMatchObject({ state: 'pass' });
    expect(monitorFreshCheck(ago(600), 300, now)).toMatchObject({ state: 'fail', summary: expect.stringContaining('not running') });
    expect(monitorFreshCheck(null, 300, now)).toMatchObject({ state: 'fail' });
  });
  it('monitor fresh: judged on the exact age, the seconds shown on its side of the limit (599.6 s was rounded to 600 first: 🔴)', () => {
    expect(monitorFreshCheck(ago(599.6), 300, now)).toMatchObject({
      state: 'pass',
      summary: 'newest run finished 599 s ago (limit 600 s = 2 × CHECK_INTERVAL 300 s)',
    });
    expect(monitorFreshCheck(ago(600.4), 300, now)).toMatchObject({
      state: 'fail',
      summary: 'newest run finished 601 s ago (limit 600 s = 2 × CHECK_INTERVAL 300 s): the monitor is not running',
    });
  });
  it('monitor fresh: a run that finished in the future is ⚪ (a clock is wrong), not a monitor that never stops running', () => {
    expect(monitorFreshCheck(ago(-290), 300, now)).toMatchObject({ state: 'pass' });
    expect(monitorFreshCheck(ago(-15_881_327), 300, now)).toMatchObject({
      state: 'unknown',
      summary: expect.stringContaining('15881327 s in the future'),
    });
  });
  it('last dispatch: 0 failed 0 unknown ✅; a failure or an unknown 🔴; nothing tried: not checked', () => {
    expect(lastDispatchCheck({ attempted: 3, sent: 3, failed: 0, unknown: 0 })).toMatchObject({
      state: 'pass',
      summary: '3 sent, 0 failed, 0 unknown of 3 tried',
    });
    expect(lastDispatchCheck({ attempted: 3, sent: 2, failed: 1, unknown: 0 })).toMatchObject({ state: 'fail' });
    expect(lastDispatchCheck({ attempted: 3, sent: 2, failed: 0, unknown: 1 })).toMatchObject({ state: 'fail' });
    expect(lastDispatchCheck({ attempted: 0, sent: 0, failed: 0, unknown: 0 })).toMatchObject({ state: 'not_configured' });
  });
  it('last dispatch with unknown emails says what clears them: a rerun leaves those the mailer had unknown, and only asked for a rerun', () => {
    // after a kill -9 and the rerun that settled it, 2 stayed unknown: the item said "rerun veza-beta invites dispatch" for good
    const unknown = lastDispatchCheck({ attempted: 12, sent: 10, failed: 0, unknown: 2 }).summary;
    expect(unknown).toContain('2 unknown of 12 tried');
    expect(unknown).toContain("check the relay's log");
    expect(unknown).toContain('--resend-unknown');
    expect(lastDispatchCheck({ attempted: 3, sent: 2, failed: 1, unknown: 0 }).summary).not.toContain('--resend-unknown');
  });
  it('first redemption and decision of the day', () => {
    expect(firstRedemptionCheck(1)).toMatchObject({ state: 'pass' });
    expect(firstRedemptionCheck(0)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(60) }, now)).toMatchObject({ state: 'pass' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(86_400) }, now)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck(null, now)).toMatchObject({ state: 'fail' });
    // recorded before the newest decision report (its gate run is older than the report's): not a decision on those figures
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(60), gateRunId: 11 }, now, 12)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(60), gateRunId: null }, now, 12)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(60), gateRunId: 12 }, now, 12)).toMatchObject({ state: 'pass' });
  });
  it("the decision's day is the machine's, as the report folder's (decision-<date>): 23:50 in Paris is not today at 00:30", () => {
    // in a process of its own: the time zone is read at start, and jest's sandbox does not pass a changed TZ to Date
    const module = fileURLToPath(new URL('../index.ts', import.meta.url));
    const script = `
      import { decisionRecordedCheck } from ${JSON.stringify(module)};
      const halfPastMidnight = new Date('2026-12-01T23:30:00Z'); // 00:30 on 2 December in Paris, 1 December in UTC
      for (const decidedAt of ['2026-12-01T22:50:00Z', '2026-12-01T23:10:00Z'])
        console.log(JSON.stringify(decisionRecordedCheck({ decision: 'GO', decidedAt: new Date(decidedAt) }, halfPastMidnight)));`;
    const child = spawnSync(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, NODE_OPTIONS: '', TZ: 'Europe/Paris' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const [before, after] = child.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { state: string; summary: string });
    expect(before).toMatchObject({ state: 'fail' });
    expect(before?.summary).toContain('no decision recorded on 2026-12-02');
    expect(after).toMatchObject({ state: 'pass' });
  });
});
