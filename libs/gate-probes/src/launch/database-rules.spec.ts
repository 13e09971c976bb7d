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
  it('first redemption and decision of the day', () => {
    expect(firstRedemptionCheck(1)).toMatchObject({ state: 'pass' });
    expect(firstRedemptionCheck(0)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(60) }, now)).toMatchObject({ state: 'pass' });
    expect(decisionRecordedCheck({ decision: 'GO', decidedAt: ago(86_400) }, now)).toMatchObject({ state: 'fail' });
    expect(decisionRecordedCheck(null, now)).toMatchObject({ state: 'fail' });
  });
});
