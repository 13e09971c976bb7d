import fc from 'fast-check';
import { AddressSet } from './address-set.js';

describe('AddressSet', () => {
  it('remembers the first line of each key across growth, like a Map', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 300 }), (keys) => {
        const set = new AddressSet(4);
        const map = new Map<string, number>();
        keys.forEach((key, i) => {
          expect(set.addOrGet(key, i + 1)).toBe(map.get(key));
          if (!map.has(key)) map.set(key, i + 1);
        });
        expect(set.size).toBe(map.size);
        for (const [key, line] of map) expect(set.get(key)).toBe(line);
      }),
    );
  });

  it('tells apart 200,000 distinct addresses', () => {
    const set = new AddressSet();
    let seenBefore = 0;
    for (let i = 1; i <= 200_000; i++) if (set.addOrGet(`person.${i.toString(36)}@example.org`, i) !== undefined) seenBefore++;
    expect([seenBefore, set.size]).toEqual([0, 200_000]);
  });
});
