import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { jsonString } from './json-string.js';

describe('jsonString', () => {
  it('writes what JSON.stringify writes, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(jsonString(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('escapes every character JSON escapes, alone and among others', () => {
    const special = [
      ...Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c)),
      '"',
      '\\',
      '\ud800',
      '\udfff',
      '\ud83d\ude00',
      '\u2028',
      '\u007f',
      'é',
    ];
    for (const char of special)
      for (const text of [char, `/v1/invites/${char}`, `${char}req-1`, `a${char}${char}b`])
        expect(jsonString(text)).toBe(JSON.stringify(text));
  });

  it('quotes the access line’s usual strings as they are', () => {
    for (const text of ['req-1', 'GET', '/v1/invites/[redacted]', '::ffff:127.0.0.1', '', '/café/x?y=[redacted]'])
      expect(jsonString(text)).toBe(`"${text}"`);
  });
});
