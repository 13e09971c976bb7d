import { canonicalMailbox, emailProblem } from './email-address.js';

describe('emailProblem', () => {
  it.each(['ana@example.org', 'a.b-c+tag@sub.example.co.uk', "o'brien@example.ie", 'x@xn--bcher-kva.example', 'UPPER@Example.ORG'])('accepts %s', (email) => {
    expect(emailProblem(email)).toBeNull();
  });

  it.each([
    ['', 'COHORT_BAD_EMAIL', 'is empty'],
    ['Ana <ana@example.org>', 'COHORT_BAD_EMAIL', 'display name'],
    ['"Ana" <ana@example.org>', 'COHORT_BAD_EMAIL', 'display name'],
    ['ana@', 'COHORT_BAD_EMAIL', 'no domain'],
    ['@example.org', 'COHORT_BAD_EMAIL', 'nothing before'],
    ['ana.example.org', 'COHORT_BAD_EMAIL', 'has no @'],
    ['ana @example.org', 'COHORT_BAD_EMAIL', 'space'],
    ['a@b@example.org', 'COHORT_BAD_EMAIL', 'more than one @'],
    ['"ana"@example.org', 'COHORT_BAD_EMAIL', 'quoted local'],
    ['ana@[192.0.2.1]', 'COHORT_BAD_EMAIL', 'IP-literal'],
    ['ana@192.0.2.1', 'COHORT_BAD_EMAIL', 'must not end with a number'],
    ['ana@localhost', 'COHORT_BAD_EMAIL', 'must contain a dot'],
    ['ana@exa_mple.org', 'COHORT_BAD_EMAIL', 'not a valid host name label'],
    ['ana@example..org', 'COHORT_BAD_EMAIL', 'empty label'],
    ['.ana@example.org', 'COHORT_BAD_EMAIL', 'leading, trailing or double dot'],
    ['an(a)@example.org', 'COHORT_BAD_EMAIL', 'not allowed: "("'],
    [`${'a'.repeat(65)}@example.org`, 'COHORT_BAD_EMAIL', 'local part is longer than 64'],
    [`a@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(10)}.org`, 'COHORT_BAD_EMAIL', 'longer than 254'],
    ['léa@example.org', 'COHORT_EMAIL_NOT_ASCII', 'SMTPUTF8'],
    ['lea@exämple.org', 'COHORT_EMAIL_NOT_ASCII', '"ä"'],
  ])('refuses %j (%s: %s)', (email, code, reason) => {
    const problem = emailProblem(email);
    expect(problem?.code).toBe(code);
    expect(problem?.reason).toContain(reason);
  });
});

describe('canonicalMailbox', () => {
  it.each([
    ['ana@example.org', 'ana@example.org'],
    ['ana+beta@example.org', 'ana@example.org'],
    ['a.n.a+x@gmail.com', 'ana@gmail.com'],
    ['a.na@googlemail.com', 'ana@gmail.com'],
    ['a.na@proton.me', 'a.na@proton.me'],
  ])('%s reaches %s', (email, mailbox) => {
    expect(canonicalMailbox(email)).toBe(mailbox);
  });

  it('returns the same string when nothing applies, so the common case allocates nothing', () => {
    const email = 'ana@example.org';
    expect(Object.is(canonicalMailbox(email), email)).toBe(true);
  });
});
