import { expect } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { CODE_ALPHABET, digestCode, formatCode, generateCode, normalizeCode, parseAnyCode, parseCode } from './code.js';
import type { Database } from './connect.js';
import { lookupInvite, redeemInvite } from './queries/redeem-invite.js';

const alphabetChar = fc.constantFrom(...CODE_ALPHABET.split(''));
const canonicalCode = fc.array(alphabetChar, { minLength: 16, maxLength: 16 }).map((chars) => chars.join(''));

describe('invite codes', () => {
  it('generates 16 characters of the Crockford alphabet, different each time', () => {
    const codes = Array.from({ length: 2000 }, generateCode);
    for (const code of codes) expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('uses every symbol of the alphabet (all 80 bits carry entropy)', () => {
    const seen = new Set(Array.from({ length: 500 }, generateCode).join(''));
    expect([...seen].sort().join('')).toBe(CODE_ALPHABET);
  });

  it('normalises case, hyphens, spaces and look-alike letters back to the same code', () => {
    fc.assert(
      fc.property(canonicalCode, fc.array(fc.constantFrom('-', ' ', '\t'), { maxLength: 6 }), fc.boolean(), (code, separators, lower) => {
        let typed = formatCode(code);
        for (const sep of separators) typed = typed.replace('-', sep);
        if (lower) typed = typed.toLowerCase();
        typed = typed.replace(/1/g, 'l').replace(/0/g, 'O');
        expect(normalizeCode(typed)).toBe(code);
        expect(digestCode(typed)).toBe(digestCode(code));
      }),
    );
  });

  it('reads a code pasted with Unicode dashes, a no-break space or invisible marks, or typed full width, as the code (smart punctuation, chat apps, East Asian keyboards)', () => {
    const separators = ['\u2013', '\u2014', '\u2010', '\u2011', '\u2212', '\u00a0', '\u202f', '\u200b', '\u200e', '\u2060', '\ufeff'];
    for (const sep of separators) {
      expect(parseCode(`7K3M${sep}Q9ZD${sep}1XWN${sep}4T8R`)).toEqual({ ok: true, code: '7K3MQ9ZD1XWN4T8R' });
      expect(parseCode(`\u202a7k3m${sep}q9zd-1xwn-4t8r\u202c`)).toEqual({ ok: true, code: '7K3MQ9ZD1XWN4T8R' });
    }
    expect(parseCode('７Ｋ３Ｍ－Ｑ９ＺＤ－１ＸＷＮ－４Ｔ８Ｒ')).toEqual({ ok: true, code: '7K3MQ9ZD1XWN4T8R' }); // a full-width keyboard
    expect(parseCode('７ｋ３ｍ　ｑ９ｚｄ　ｌｘｗｎ　４ｔ８ｒ')).toEqual({ ok: true, code: '7K3MQ9ZD1XWN4T8R' });
    // still 16 code characters: a dash does not stand for one
    expect(parseCode('7K3M\u2013Q9ZD\u20131XWN\u20134T8')).toEqual({ ok: false, reason: 'must be 16 characters, got 15' });
  });

  it('refuses anything outside the alphabet, without echoing the input', () => {
    fc.assert(
      fc.property(canonicalCode, fc.integer({ min: 0, max: 15 }), fc.constantFrom('U', 'u', '!', 'é', '_', '*', '/'), (code, at, bad) => {
        const input = code.slice(0, at) + bad + code.slice(at + 1);
        const parsed = parseCode(input);
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.reason).not.toContain(code.slice(0, 4) + code.slice(4, 8));
      }),
    );
  });

  it('refuses the wrong length and overlong input', () => {
    expect(parseCode('ABCD-EFGH-JKMN-PQR')).toEqual({ ok: false, reason: 'must be 16 characters, got 15' });
    expect(parseCode('A'.repeat(65))).toEqual({ ok: false, reason: 'too long' });
    expect(() => normalizeCode('')).toThrow(expect.objectContaining({ code: 'INVITES_CODE_MALFORMED' }));
  });

  // What a query string gives: `?invite=a&invite=b` is an array in Express, a missing one undefined.
  it('refuses anything but a string as malformed, never with a TypeError', async () => {
    expect(parseCode(undefined)).toEqual({ ok: false, reason: 'must be a string, got undefined' });
    expect(parseCode(null)).toEqual({ ok: false, reason: 'must be a string, got null' });
    expect(parseCode(['ABCD-EFGH-JKMN-PQRS'])).toEqual({ ok: false, reason: 'must be a string, got an array' });
    expect(parseCode(1234)).toEqual({ ok: false, reason: 'must be a string, got number' });
    expect(() => normalizeCode({ length: 16 })).toThrow(expect.objectContaining({ code: 'INVITES_CODE_MALFORMED' }));
    // the code is checked before the database is touched: no database is needed to see it refused
    const db = {} as Database;
    for (const input of [undefined, null, ['AAAA'], ['ABCD-EFGH-JKMN-PQRS', 'ABCD-EFGH-JKMN-PQRS']] as unknown[]) {
      await expect(lookupInvite(db, input as string)).rejects.toMatchObject({ code: 'INVITES_CODE_MALFORMED' });
      await expect(redeemInvite(db, input as string)).rejects.toMatchObject({ code: 'INVITES_CODE_MALFORMED' });
    }
  });

  it('is idempotent and digests are 64 hex characters', () => {
    fc.assert(
      fc.property(canonicalCode, (code) => {
        expect(normalizeCode(normalizeCode(code))).toBe(code);
        expect(digestCode(code)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });

  it('digests a code as the hex SHA-256 of its canonical characters, the digest every stored row holds', () => {
    // `printf 7K3MQ9ZD1XWN4T8R | sha256sum`: a digest that changed would make every invite already in a database unredeemable
    expect(digestCode('7k3m-q9zd-1xwn-4t8r')).toBe('74e97e25b61ace8dcfc1e0101e70a961e0e61efad64bf48e02bfd8cd5ab7a313');
    fc.assert(
      fc.property(canonicalCode, (code) => {
        expect(digestCode(formatCode(code).toLowerCase())).toBe(createHash('sha256').update(code).digest('hex'));
      }),
    );
  });

  it('reads ASCII input on its one-pass path exactly as the general path does', () => {
    // every ASCII character, weighted towards what a code and its separators are made of
    const asciiChar = fc.oneof(
      fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(...CODE_ALPHABET, ...'ilouILOU-\t\n '),
    );
    fc.assert(
      fc.property(fc.array(asciiChar, { maxLength: 70 }), (chars) => {
        const input = chars.join('');
        expect(parseCode(input)).toEqual(input.length > 64 ? { ok: false, reason: 'too long' } : parseAnyCode(input));
      }),
      { numRuns: 2000 },
    );
    // and non-ASCII input still gets the Unicode reading (dotless ı upper-cases to I, read as 1)
    expect(parseCode('ı234-5678-9ABC-DEFG')).toEqual({ ok: true, code: '123456789ABCDEFG' });
  });
});
