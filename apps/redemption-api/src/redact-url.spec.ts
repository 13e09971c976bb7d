import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { CODE_ALPHABET, formatCode } from '@veza/invites-db';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['/v1/invites/7K3M-Q9ZD-1XWN-4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7k3mq9zd1xwn4t8r/extra', '/v1/invites/[redacted]/extra'],
    ['/V1/INVITES/7K3MQ9ZD1XWN4T8R', '/V1/INVITES/[redacted]'],
    ['/v1/invites/redeem', '/v1/invites/redeem'],
    ['/v1/invites/redeemX7K3M', '/v1/invites/[redacted]'],
    ['/signup?invite=7K3M-Q9ZD-1XWN-4T8R', '/signup?invite=[redacted]'],
    ['/signup?a=1&invite=7K3M&flag', '/signup?a=[redacted]&invite=[redacted]&[redacted]'],
    ['/v1/invites/7K3M?x=7K3M', '/v1/invites/7K3M?x=[redacted]'],
    ['/healthz', '/healthz'],
    ['/openapi.json', '/openapi.json'],
    ['/signup.js', '/signup.js'],
    // the seven shapes a hostile test found in the log
    ['//v1/invites/7K3M-Q9ZD-1XWN-4T8R', '//v1/invites/[redacted]'],
    ['/v1//invites/7K3M-Q9ZD-1XWN-4T8R', '/v1//invites/[redacted]'],
    ['/x/../v1/invites/7K3M-Q9ZD-1XWN-4T8R', '/x/../v1/invites/[redacted]'],
    ['/v1/invites/redeem/../7K3M-Q9ZD-1XWN-4T8R', '/v1/invites/redeem/../[redacted]'],
    ['/signup/7K3M-Q9ZD-1XWN-4T8R', '/signup/[redacted]'],
    ['/7K3MQ9ZD1XWN4T8R', '/[redacted]'],
    ['/v1/admin/revoke/7K3M-Q9ZD-1XWN-4T8R', '/v1/admin/revoke/[redacted]'],
    // other spellings: spaces, percent-encoding (twice), I/L/O variants, a code as a query key
    ['/v1/invites/7K3M%20Q9ZD%201XWN%204T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/%37%4B3M-Q9ZD-IXWN-4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/%2537K3MQ9ZDlXWN4T8R', '/v1/invites/[redacted]'],
    ['/signup?7K3M-Q9ZD-1XWN-4T8R=1', '/signup?[redacted]=[redacted]'],
    ['/signup?7K3M+Q9ZD+1XWN+4T8R=1', '/signup?[redacted]=[redacted]'],
    // grouped by Unicode spaces, which parseAnyCode accepts: percent-encoded (decoded byte by byte) or raw
    ['/v1/invites/7K3M%C2%A0Q9ZD%C2%A01XWN%C2%A04T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7K3M%E3%80%80Q9ZD%E3%80%801XWN%E3%80%804T8R', '/v1/invites/[redacted]'],
    ['/v1/admin/revoke/7K3M\u00a0Q9ZD\u00a01XWN\u00a04T8R', '/v1/admin/revoke/[redacted]'],
    // typed with a full-width keyboard: UTF-8 escapes of letters no code has, a live code all the same
    ['/v1/invites/%EF%BC%97%EF%BC%AB%EF%BC%93%EF%BC%AD%EF%BC%91%EF%BC%B1%EF%BC%99%EF%BC%BA%EF%BC%A4', '/v1/invites/[redacted]'],
    ['/v1/invites/\uff17\uff2b\uff13\uff2d-\uff31\uff19\uff3a\uff24-1XWN-4T8R', '/v1/invites/[redacted]'],
    ['/signup?%EF%BC%97%EF%BC%AB%EF%BC%93%EF%BC%AD%EF%BC%B1%EF%BC%99%EF%BC%BA%EF%BC%A4=1', '/signup?[redacted]=[redacted]'],
    ['/v1/invites/caf%C3%A9', '/v1/invites/caf\u00c3\u00a9'],
    ['/v1/invites/%EF%BC%97%EF%BC%AB%EF%BC%93%EF%BC%AD', '/v1/invites/7K3M'], // 4 characters, as /v1/invites/7K3M shows
    // other forms parseCode reads through NFKC: "bold" letters of a styled post (astral), circled ones, superscripts
    [
      `/v1/invites/${encodeURIComponent('\u{1d7d5}\u{1d40a}\u{1d7d1}\u{1d40c}\u{1d410}\u{1d7d7}\u{1d419}\u{1d403}')}`,
      '/v1/invites/[redacted]',
    ],
    [`/v1/invites/${encodeURIComponent('\u2466\u24c0\u2462\u24c2\u24c6\u2468\u24cf\u24b9')}`, '/v1/invites/[redacted]'],
    ['/v1/invites/7K%C2%B3MQ9ZD', '/v1/invites/[redacted]'],
    // a whole code grouped by other punctuation: refused as malformed (400), logged whole before
    ['/v1/invites/7K3M.Q9ZD.1XWN.4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7k3m_q9zd_1xwn_4t8r', '/v1/invites/[redacted]'],
    ['/v1/invites/7K3M,Q9ZD;1XWN:4T8R/x', '/v1/invites/[redacted]/x'],
    ['/v1/invites/7K3M%2EQ9ZD%2E1XWN%2E4T8R', '/v1/invites/[redacted]'],
    ["/v1/invites/'7K3M'Q9ZD'1XWN'4T8R'", "/v1/invites/'[redacted]'"],
    // grouped by a "%" that is no escape: the router refuses it (a bad escape), and its access line is written since
    // this round; a "%25" decodes to one too
    ['/v1/invites/7K3M%Q9ZD%1XWN%4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7K3M%zzQ9ZD%zz1XWN%zz4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7K3M%-Q9ZD%-1XWN%-4T8R', '/v1/invites/[redacted]'],
    ['/v1/invites/7K3M%25Q9ZD%251XWN%254T8R', '/v1/invites/[redacted]'],
    // and a code whose own characters make an escape next to such a "%": decoded, "%1B" and "%65" were ESC and "e"
    ['/v1/invites/0Z9P%1BB1%RMRB%XJH5', '/v1/invites/[redacted]'],
    ['/v1/invites/A1S3%65TV%8V0W%4M7F', '/v1/invites/[redacted]'],
    ['/v1/invites/%37%4B3M%Q9ZD%1XWN%4T8R', '/v1/invites/%[redacted]'],
    // file names joined by a dot stay (short of a whole code)
    ['/favicon.ico', '/favicon.ico'],
    ['/robots.txt', '/robots.txt'],
  ])('%s → %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });

  it('hides any code, in any accepted spelling, in any path around it', () => {
    const code = fc.stringMatching(new RegExp(`^[${CODE_ALPHABET}]{16}$`));
    const spelling = fc.constantFrom(
      (c: string) => c,
      (c: string) => formatCode(c),
      (c: string) => formatCode(c).toLowerCase(),
      (c: string) => c.replace(/1/g, 'l').replace(/0/g, 'O'),
      (c: string) =>
        c
          .replace(/1/g, 'I')
          .replace(/(.{4})(?=.)/g, '$1 ')
          .replace(/ /g, '%20'),
      (c: string) => c.replace(/./g, (ch) => `%${ch.charCodeAt(0).toString(16)}`),
    );
    const around = fc.array(fc.constantFrom('', 'v1', 'invites', 'redeem', '..', 'signup', 'admin', 'revoke', 'x'), { maxLength: 4 });
    fc.assert(
      fc.property(code, spelling, around, around, (c, spell, before, after) => {
        const url = `/${[...before, spell(c), ...after].join('/')}`;
        const logged = redactUrl(url).toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
        return !logged.includes(c.slice(0, 8)) && !logged.includes(c.slice(8));
      }),
    );
  });

  it('hides exactly what the regular-expression definition hides, on any text', () => {
    // The definition the one-pass scanner implements: a run of code characters (every letter but U, digits),
    // grouped by hyphens, whitespace or any non-ASCII character, of 8 code characters or more; then one grouped
    // by those or by ASCII punctuation other than a URL's delimiters (/ ? & = #), of 16 (a whole code).
    const loose = /[\s\u0080-\uffff!"$%'()*+,\-.:;<>@[\\\]^_`{|}~]/;
    const reference = (text: string) =>
      text
        .replace(/[0-9A-TV-Z](?:[\s\u0080-\uffff-]*[0-9A-TV-Z])*/gi, (run) =>
          run.replace(/[\s\u0080-\uffff-]/g, '').length >= 8 ? '[redacted]' : run,
        )
        .replace(new RegExp(`[0-9A-TV-Z](?:${loose.source}*[0-9A-TV-Z])*`, 'gi'), (run) =>
          run.replace(new RegExp(loose.source, 'g'), '').length >= 16 ? '[redacted]' : run,
        );
    const piece = fc.oneof(
      fc.stringMatching(/^[0-9A-Za-z]{1,12}$/),
      fc.constantFrom(
        '-',
        ' ',
        '\t',
        '\u00a0',
        '\u2028',
        '\u3000',
        '/',
        '?',
        '=',
        '&',
        'u',
        'U',
        '..',
        '%',
        '%20',
        '%2D',
        '%41',
        '_',
        '+',
        'é',
      ),
      fc.string({ maxLength: 4 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = `/${pieces.join('').replace(/\?/g, '')}`; // the path alone: the query has rules of its own
        expect(redactUrl(path)).toBe(reference(decodeForReference(path)));
      }),
      { numRuns: 2_000 },
    );
  });
});

/** Percent-decoding as redactUrl does it, written the plain way. */
function decodeForReference(path: string): string {
  // a "%" that starts no escape (the router refuses the request): the text as sent
  if (/%(?![0-9a-f]{2})/i.test(path)) return path;
  let out = path;
  for (let pass = 0; pass < 4 && /%[0-9a-f]{2}/i.test(out); pass++)
    out = out.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  // The logged form redact-url.ts documents: text holding a letter or digit whose compatibility form (NFKC) is
  // ASCII ("%C2%AA" is "ª", read "a"; full-width "７") is logged with those in that form, read as UTF-8.
  if (/^[\x20-\x7e]*$/.test(out)) return out;
  const text = /[\u0100-\uffff]/.test(out) ? out : Buffer.from(out, 'latin1').toString('utf8');
  const forms = [...text].map((ch) => {
    const form = ch.normalize('NFKC');
    return form !== ch && /^[0-9A-Za-z]+$/.test(form) ? form : ch;
  });
  return forms.some((form, i) => form !== [...text][i]) ? forms.join('') : out;
}
