import { describe, expect, it } from '@jest/globals';
import { isoDate } from './iso-date.js';

describe('isoDate: toISOString, the same text', () => {
  it('for every kind of date an invite carries, and the edges of each field', () => {
    const dates = [
      '1970-01-01T00:00:00.000Z',
      '1000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2024-02-29T12:00:00.001Z',
      '2026-12-31T23:59:59.010Z',
      '2027-01-01T00:00:00.100Z',
      '1969-12-31T23:59:59.999Z',
      '2026-11-30T07:05:09.050Z',
      '1600-02-29T00:00:00.000Z',
      '1700-03-01T00:00:00.000Z',
      '1900-02-28T23:59:59.999Z',
      '2000-02-29T23:59:59.999Z',
      '2100-03-01T00:00:00.000Z',
      '1583-10-15T00:00:00.000Z',
    ].map((text) => new Date(text));
    // and a spread of instants from year 1000 to 9999, each millisecond field different
    for (let i = 0; i < 20_000; i++) dates.push(new Date(-30_610_224_000_000 + i * 14_200_787_659 + (i % 1000)));
    // and every day of four centuries, at a different time of day each (leap years, and the century rules)
    for (let day = 0; day < 146_097; day++)
      dates.push(new Date(Date.UTC(1900, 0, 1) + day * 86_400_000 + ((day * 7_919_393) % 86_400_000)));
    const wrong = dates.filter((date) => isoDate(date) !== date.toISOString());
    expect(wrong.map((date) => `${date.toISOString()} written ${isoDate(date)}`)).toEqual([]);
  });

  it('outside years 1000–9999 and for an invalid date, toISOString itself answers', () => {
    for (const ms of [-62_198_755_200_000, -1e15, 253_402_300_800_000, 8.64e15]) {
      const date = new Date(ms);
      expect(isoDate(date)).toBe(date.toISOString());
    }
    expect(isoDate(new Date('0999-12-31T23:59:59.999Z'))).toBe('0999-12-31T23:59:59.999Z');
    expect(isoDate(new Date('+010000-01-01T00:00:00.000Z'))).toBe('+010000-01-01T00:00:00.000Z');
    expect(() => isoDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
