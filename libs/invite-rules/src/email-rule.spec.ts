import fc from 'fast-check';
import { emailProblem } from './email-rule.js';

describe('emailProblem', () => {
  it.each([
    'ana@example.org',
    'a.b-c+tag@sub.example.co.uk',
    "o'brien@example.ie",
    'x@xn--bcher-kva.example',
    'UPPER@Example.ORG',
    `${'a'.repeat(64)}@example.org`,
  ])('accepts %s', (email) => {
    expect(emailProblem(email)).toBeNull();
  });

  it.each([
    ['', 'malformed', 'is empty'],
    ['Ana <ana@example.org>', 'malformed', 'display name'],
    ['"Ana" <ana@example.org>', 'malformed', 'display name'],
    ['ana@', 'malformed', 'no domain'],
    ['@example.org', 'malformed', 'nothing before'],
    ['ana.example.org', 'malformed', 'has no @'],
    ['ana @example.org', 'malformed', 'space'],
    ['a@b@example.org', 'malformed', 'more than one @'],
    ['"ana"@example.org', 'malformed', 'quoted local'],
    ['ana@[192.0.2.1]', 'malformed', 'IP-literal'],
    ['ana@192.0.2.1', 'malformed', 'must not end with a number'],
    ['ana@localhost', 'malformed', 'must contain a dot'],
    ['ana@exa_mple.org', 'malformed', 'not a valid host name label'],
    ['ana@example..org', 'malformed', 'empty label'],
    ['.ana@example.org', 'malformed', 'leading, trailing or double dot'],
    ['an(a)@example.org', 'malformed', 'not allowed: "("'],
    [`${'a'.repeat(65)}@example.org`, 'malformed', 'local part is longer than 64'],
    [`a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(10)}.org`, 'malformed', 'longer than 254'],
    ['léa@example.org', 'not-ascii', 'SMTPUTF8'],
    ['lea@exämple.org', 'not-ascii', '"ä"'],
    ['lea@exämple.org', 'not-ascii', 'write the domain in its xn-- (punycode) form'],
    ['héloïse@example.org', 'not-ascii', 'ask the person for an ASCII address (the part before the @ has no ASCII form)'],
    ['héloïse@exämple.org', 'not-ascii', 'the part before the @ has no ASCII form'],
    ['ana\u00a0lopez@example.org', 'malformed', 'contains a no-break or other Unicode space (U+00A0): remove it'],
    ['ana@example\u2009.org', 'malformed', '(U+2009): remove it'],
    ['cy\u200c@example.org', 'malformed', 'contains the invisible character U+200C: remove it'],
    ['ana\u00ad@example.org', 'malformed', 'invisible character U+00AD'],
    ['d\uff20example.org', 'malformed', 'contains "\uff20" (U+FF20), a look-alike of "@": type it again in plain ASCII (d@example.org)'],
    ['bo@example\uff0eorg', 'malformed', 'a look-alike of ".": type it again in plain ASCII (bo@example.org)'],
    ['ｂｏ@example.org', 'malformed', '(bo@example.org)'],
    ['b\u00f6@example.org', 'not-ascii', 'SMTPUTF8'],
    // decomposed (NFD, as macOS may paste it): still a person's non-ASCII address to ask again, not a look-alike typo
    ['le\u0301a@example.org', 'not-ascii', 'contains the non-ASCII character "\u0301"'],
  ])('refuses %j (%s: %s)', (email, kind, reason) => {
    const problem = emailProblem(email);
    expect(problem?.kind).toBe(kind);
    expect(problem?.reason).toContain(reason);
  });

  // Found by mutation testing: `length <= 254` could become `< 254` and every spec stayed green.
  it('accepts an address of exactly 254 characters, and refuses one of 255', () => {
    const address = (length: number) =>
      `a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(length - 250)}.org`;
    expect(address(254)).toHaveLength(254);
    expect(emailProblem(address(254))).toBeNull();
    expect(emailProblem(address(255))?.reason).toBe('is longer than 254 characters');
  });

  it('never throws, and every refusal says why', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const problem = emailProblem(text);
        expect(problem === null || problem.reason.length > 0).toBe(true);
      }),
    );
  });
});
