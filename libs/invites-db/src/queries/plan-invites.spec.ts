import { planInvites } from './plan-invites.js';

let n = 0;
const codes = () => `CODE${String(++n).padStart(12, '0')}`;

describe('planInvites (the pure half of createInvites)', () => {
  it('fails rows that break a rule, skips a repeated email, maps sent_by, and draws a code for each row left, in input order', () => {
    const senders = new Map([['boss@veza.fr', '7b0e1c1e-0000-4000-8000-000000000001']]);
    const plan = planInvites(
      [
        { email: ' Ana@Example.org ', cohort: 'fans', name: 'Ana', role: 'creator', sentBy: 'boss@veza.fr' },
        { email: 'bad', cohort: 'fans' },
        { email: 'ana@example.org', cohort: 'fans' },
        { email: 'bo@example.org', cohort: 'fans', sentBy: 'nobody@veza.fr' },
        { email: 'cy@example.org', cohort: 'fans', role: 'admin' },
        { email: 'di@example.org', cohort: ' fans ' },
      ],
      senders,
      codes,
    );
    expect(plan.outcomes.map((o) => o && [o.status, o.index, 'field' in o ? o.field : 'reason' in o ? o.reason : ''])).toEqual([
      undefined,
      ['failed', 1, 'email'],
      ['skipped', 2, 'same email as row 1 of this batch'],
      ['failed', 3, 'sent_by'],
      ['failed', 4, 'role'],
      undefined,
    ]);
    expect(plan.pending.map((c) => [c.index, c.email, c.cohort, c.role, c.sentBy, c.code])).toEqual([
      [0, 'Ana@Example.org', 'fans', 'creator', '7b0e1c1e-0000-4000-8000-000000000001', 'CODE000000000001'],
      [5, 'di@example.org', 'fans', null, null, 'CODE000000000002'],
    ]);
    expect(plan.pending[0]!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.pending[0]!.digest).not.toBe(plan.pending[1]!.digest);
  });
});
