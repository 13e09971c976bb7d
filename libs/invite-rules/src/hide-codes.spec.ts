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
