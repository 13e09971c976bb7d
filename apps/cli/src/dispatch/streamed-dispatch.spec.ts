import { describe, expect, it } from '@jest/globals';
import type { DispatchSummary } from '@veza/invite-mailer';
import { emptySummary, mergeSummaries } from './streamed-dispatch.js';

const summary = (over: Partial<DispatchSummary>): DispatchSummary => ({
  ...emptySummary(),
  ...over,
});

describe('mergeSummaries: the chunks of one folder read as one dispatch', () => {
  it('adds the counts and joins the lists, in order', () => {
    const a = summary({ total: 3, sent: 2, failed: [{ inviteId: 'a', email: 'a@example.org', response: '550 no' }] });
    const b = summary({
      total: 5,
      sent: 1,
      alreadySent: 2,
      expired: [{ inviteId: 'e', email: 'e@example.org', cohort: 'c' }],
      elsewhere: [{ inviteId: 'h', email: 'h@example.org', claimedBy: 'other' }],
      sentRevoked: [{ inviteId: 'r', email: 'r@example.org' }],
    });
    expect(mergeSummaries(a, b)).toEqual({
      total: 8,
      sent: 3,
      alreadySent: 2,
      failed: [{ inviteId: 'a', email: 'a@example.org', response: '550 no' }],
      unknown: [],
      skipped: [],
      expired: [{ inviteId: 'e', email: 'e@example.org', cohort: 'c' }],
      elsewhere: [{ inviteId: 'h', email: 'h@example.org', claimedBy: 'other' }],
      sentRevoked: [{ inviteId: 'r', email: 'r@example.org' }],
      stopped: null,
      interrupted: null,
      lockLost: null,
    });
    // a Ctrl-C in one chunk: what was not tried adds up
    expect(mergeSummaries(summary({ interrupted: { notTried: 3 } }), summary({ interrupted: { notTried: 4 } })).interrupted).toEqual({
      notTried: 7,
    });
  });

  it('adds up what a dispatch that lost its lock did not try', () => {
    expect(mergeSummaries(summary({ lockLost: { notTried: 3 } }), summary({})).lockLost).toEqual({ notTried: 3 });
    expect(mergeSummaries(summary({}), summary({ lockLost: { notTried: 4 } })).lockLost).toEqual({ notTried: 4 });
    expect(mergeSummaries(summary({ lockLost: { notTried: 3 } }), summary({ lockLost: { notTried: 4 } })).lockLost).toEqual({
      notTried: 7,
    });
  });

  it('keeps the first stop and adds up what was not tried', () => {
    const stop = { failures: 5, response: 'exit 78', notTried: 10 };
    expect(mergeSummaries(summary({ stopped: stop }), summary({})).stopped).toEqual(stop);
    expect(mergeSummaries(summary({}), summary({ stopped: stop })).stopped).toEqual(stop);
    expect(mergeSummaries(summary({ stopped: stop }), summary({ stopped: { ...stop, response: 'later', notTried: 500 } })).stopped).toEqual(
      { failures: 5, response: 'exit 78', notTried: 510 },
    );
  });
});
