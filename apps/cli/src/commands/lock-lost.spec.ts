import { expect } from '@jest/globals';
import { emptySummary } from '../dispatch/streamed-dispatch.js';
import { dispatchExitCode, formatDispatchSummary } from './invites-dispatch.js';
import { formatOutboxSummary, outboxExitCode } from './outbox-drain.js';

// A dispatcher whose database lock was lost stops (DECISIONS.md, "a dispatcher that loses its lock"): the
// summary says so and what to do, and the exit is 1, never 0 (nor 130 after a Ctrl-C at the same time).
describe('a dispatch stopped by a lost database lock', () => {
  const lost = { ...emptySummary(), total: 10, sent: 3, lockLost: { notTried: 7 } };

  it('says it stopped, why it matters and what to do, with the count of emails not tried', () => {
    const text = formatDispatchSummary(lost, 'out');
    expect(text).toContain('dispatch of out: 3 sent now, 0 already sent, 0 failed, 0 unknown, 0 skipped, 7 not tried (of 10).');
    expect(text).toContain(
      "Dispatch STOPPED: its database lock was lost (the server restarted, or the connection was cut): other dispatchers could take its claims for a crash's; 7 email(s) not tried are still unsent: run the same command again.",
    );
    expect(text).not.toContain('INTERRUPTED');
  });

  it('exits 1, also when a Ctrl-C came at the same time', () => {
    expect(dispatchExitCode(lost)).toBe(1);
    // lost after its last send: nothing left, still not a clean run (others may have listed its emails as unknown meanwhile)
    expect(dispatchExitCode({ ...lost, lockLost: { notTried: 0 } })).toBe(1);
    expect(formatDispatchSummary({ ...lost, lockLost: { notTried: 0 } }, 'out')).toContain(
      'every email had been tried: run the same command again to confirm',
    );
    expect(dispatchExitCode({ ...lost, interrupted: { notTried: 7 } })).toBe(1);
    expect(dispatchExitCode({ ...lost, lockLost: null })).toBe(0);
  });

  it('outbox drain: says so and exits 1', () => {
    const drained = { sent: 1, failed: [], unknown: [], exhausted: [], inFlightElsewhere: 0, stopped: null, lockLost: true };
    expect(formatOutboxSummary(drained)).toContain('Drain STOPPED: its database lock was lost');
    expect(outboxExitCode(drained)).toBe(1);
    expect(outboxExitCode({ ...drained, lockLost: false })).toBe(0);
  });
});
