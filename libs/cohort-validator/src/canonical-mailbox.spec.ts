import { canonicalMailbox } from './canonical-mailbox.js';

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
