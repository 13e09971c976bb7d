import { describe, expect, it } from '@jest/globals';
import { hideCodes, hideKnownCodes } from './hide-codes.js';

describe('hideCodes', () => {
  it.each([
    ['https://beta.veza.fr/signup?invite=7K3M-Q9ZD-1XWN-4T8R', 'https://beta.veza.fr/signup?invite=[redacted]'],
    ['invite=3D7K3M-Q9ZD-1XWN-4T8R (quoted-printable)', 'invite=[redacted] (quoted-printable)'],
    ['7k3mq9zdlxwn4t8r in lower case', '[redacted] in lower case'],
    ['250 2.0.0 Ok: queued as 4F2A3B1C9D', '250 2.0.0 Ok: queued as 4F2A3B1C9D'],
    ['250 Message accepted for delivery', '250 Message accepted for delivery'],
    // ids longer than a code: a UUID, Amazon SES's message id
    ['queued as 3f1d5e8a-9f2b-4c1d-8e7a-6b5c4d3e2f1a', 'queued as 3f1d5e8a-9f2b-4c1d-8e7a-6b5c4d3e2f1a'],
    [
      '250 Ok 0100018c5c2a7b1e-3f1d5e8a-9f2b-4c1d-8e7a-6b5c4d3e2f1a-000000',
      '250 Ok 0100018c5c2a7b1e-3f1d5e8a-9f2b-4c1d-8e7a-6b5c4d3e2f1a-000000',
    ],
    ['550 5.1.1 <ana@example.org>: mailbox unavailable', '550 5.1.1 <ana@example.org>: mailbox unavailable'],
  ])('whole codes in free text (16 to 18, hyphens only): %s', (text, expected) => {
    expect(hideCodes(text, { minChars: 16, maxChars: 18, spaces: false })).toBe(expected);
  });

  it('hides half a code and more by default (8), where codes are expected', () => {
    expect(hideCodes('/v1/invites/7K3M-Q9ZD')).toBe('/v1/invites/[redacted]');
    expect(hideCodes('/v1/invites/redeem')).toBe('/v1/invites/redeem');
    expect(hideCodes('7k3m q9zd\u00a0lxwn\u30004t8r')).toBe('[redacted]');
  });
});

describe('hideCodes, character by character', () => {
  // The classes as the doc comments define them, written out here on their own.
  const isDigitOrLetterButU = (c: number) => (c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 122 && (c | 32) !== 117);
  const isSpaceOrNonAscii = (c: number) => c === 45 || c === 32 || (c >= 9 && c <= 13) || c > 127;
  const isUrlDelimiter = (c: number) => '/?&=#'.includes(String.fromCharCode(c));
  const isPunctuation = (c: number) => c >= 33 && c <= 126 && !isDigitOrLetterButU(c) && (c | 32) !== 117 && !isUrlDelimiter(c);
  const chars = [...Array.from({ length: 0x180 }, (_, c) => c), 0x3000, 0xff10, 0xfeff, 0xd83d];

  it('what groups half a code (8, the default): a hyphen, ASCII whitespace, any non-ASCII character', () => {
    for (const c of chars) {
      const text = `/x/7K3M${String.fromCharCode(c)}Q9ZD/y`;
      const hidden = isDigitOrLetterButU(c) || isSpaceOrNonAscii(c);
      expect([c, hideCodes(text)]).toEqual([c, hidden ? '/x/[redacted]/y' : text]);
    }
  });

  it('what groups a whole code with punctuation on: also ASCII punctuation other than / ? & = # (a % left in decoded text is no escape)', () => {
    for (const c of chars) {
      const ch = String.fromCharCode(c);
      const text = `/W9QB${ch}VC03${ch}SW6R${ch}YD7T/`;
      const hidden = isDigitOrLetterButU(c) || isSpaceOrNonAscii(c) || isPunctuation(c);
      expect([c, hideCodes(text, { minChars: 16, punctuation: true })]).toEqual([c, hidden ? '/[redacted]/' : text]);
    }
  });

  it('what groups a whole code in free text (spaces off): a hyphen only', () => {
    for (const c of chars) {
      const ch = String.fromCharCode(c);
      const text = `is W9QB${ch}VC03${ch}SW6R${ch}YD7T.`;
      const hidden = isDigitOrLetterButU(c) || c === 45;
      expect([c, hideCodes(text, { minChars: 16, maxChars: 20, spaces: false })]).toEqual([c, hidden ? 'is [redacted].' : text]);
    }
  });
});

describe('hideKnownCodes', () => {
  const code = 'KPYG-GMAN-9R2F-WNTZ';
  it.each([
    // what mailers echoing the message made of it (a fold inside the code, a line joined to the next, regrouped)
    ['https://staging.veza.fr/signup?invite=3DKPYG-GMAN- 9R2F-WNTZ', 'https://staging.veza.fr/signup?invite=3D[redacted]'],
    ["Ton code d'invitation : KPYG-G\nMAN-9R2F-WNTZ", "Ton code d'invitation : [redacted]"],
    ['invite=3DKPYG-GMAN-9R2F-WNTZLe code fonctionne', 'invite=3D[redacted]Le code fonctionne'],
    ['code KPYG GMAN 9R2F WNTZ, lower kpyg-gman-9r2f-wntz', 'code [redacted], lower [redacted]'],
    ['soft break KPYG-GM=\r\nAN-9R2F-WNTZ.', 'soft break [redacted].'],
    ['> invite=3DKPYG-GM\n> AN-9R2F-WNTZ', '> invite=3D[redacted]'], // a fold inside quoted text
    ['KPYG.GMAN.9R2F.WNTZ and KPYG_GMAN_9R2F_WNTZ', '[redacted] and [redacted]'],
    ['invite=KPYG%2DGMAN%2D9R2F%2DWNTZ', 'invite=[redacted]'],
  ])('%j', (text, hidden) => {
    expect(hideKnownCodes(text, [code])).toBe(hidden);
  });

  it('leaves text without the code as it is, and other codes to hideCodes', () => {
    expect(hideKnownCodes('250 2.0.0 Ok: queued as 4KPYGGMAN', [code])).toBe('250 2.0.0 Ok: queued as 4KPYGGMAN');
    expect(hideKnownCodes('KPYG-GMAN — see https://x.example/a/b/c — 9R2F-WNTZ', [code])).toBe(
      'KPYG-GMAN — see https://x.example/a/b/c — 9R2F-WNTZ',
    ); // halves far apart
    expect(hideKnownCodes('anything', [])).toBe('anything');
  });
});
