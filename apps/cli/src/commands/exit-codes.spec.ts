import { expect } from '@jest/globals';
import { emptySummary } from '../dispatch/streamed-dispatch.js';
import { dispatchExitCode } from './invites-dispatch.js';
import { outboxExitCode } from './outbox-drain.js';

// The exit code of `invites dispatch` (and of `invites send`, which reads it) field by field: 0 only when every
// email of the folder is sent or deliberately not. Found by mutation testing: dropping the `expired` or the
// dispatch.log clause of dispatchExitCode left every spec green (DECISIONS.md, twenty-first round).
describe('dispatchExitCode', () => {
  const one = { inviteId: 'i1', email: 'a@example.org' };
  const done = { ...emptySummary(), total: 2, sent: 1, alreadySent: 1 };

  it('is 0 when every email is sent, now or before, or deliberately not (revoked, redeemed)', () => {
    expect(dispatchExitCode(done)).toBe(0);
    expect(
      dispatchExitCode({
        ...done,
        skipped: [
          { ...one, reason: 'revoked' },
          { ...one, reason: 'redeemed' },
        ],
      }),
    ).toBe(0);
    // sent, then revoked while it was on its way: it went out, the summary says so, the run did its job
    expect(dispatchExitCode({ ...done, sentRevoked: [one] })).toBe(0);
  });

  it.each([
    ['a failed send', { failed: [{ ...one, response: '550 no such user' }] }],
    ['an unknown outcome', { unknown: [{ ...one, claimedBy: null, claimedAt: null }] }],
    ['an expired invite not emailed', { expired: [{ ...one, cohort: 'c' }] }],
    ['an email another dispatcher has, not recorded as sent', { elsewhere: [{ ...one, claimedBy: 'w2' }] }],
    ['an invite missing from the database', { skipped: [{ ...one, reason: 'missing' }] }],
    ['a dispatch.log that could not be written', { logFailure: 'dispatch.log: ENOSPC' }],
    ['a fail-fast stop', { stopped: { failures: 5, response: '421', notTried: 3 } }],
  ])('is 1 with %s', (_, field) => {
    expect(dispatchExitCode({ ...done, ...field })).toBe(1);
  });

  it('is 130 when the operator stopped it, 1 when its lock was lost as well', () => {
    expect(dispatchExitCode({ ...done, interrupted: { notTried: 1 } })).toBe(130);
    expect(dispatchExitCode({ ...done, interrupted: { notTried: 1 }, lockLost: { notTried: 1 } })).toBe(1);
  });
});

describe('outboxExitCode', () => {
  const drained = { sent: 2, failed: [], unknown: [], exhausted: [], inFlightElsewhere: 1, stopped: null, lockLost: false };

  it('is 0 when every queued email it took was sent (another sender’s in-flight ones are theirs)', () => {
    expect(outboxExitCode(drained)).toBe(0);
  });

  it.each([
    ['a failed send', { failed: [{ id: 'o1', email: 'a@example.org', response: '550' }] }],
    ['an unknown outcome', { unknown: [{ id: 'o1', email: 'a@example.org', claimedBy: null, claimedAt: null }] }],
    ['an email that used up its attempts', { exhausted: [{ id: 'o1', email: 'a@example.org', attempts: 5, lastError: '550' }] }],
    ['a fail-fast stop', { stopped: { failures: 5, response: '421' } }],
  ])('is 1 with %s', (_, field) => {
    expect(outboxExitCode({ ...drained, ...field })).toBe(1);
  });
});
