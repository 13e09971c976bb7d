import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { commaListField, flagField, looseFlagField, positiveNumberField, unclearFlagWarning, wholeNumberField } from './fields.js';

describe('field builders', () => {
  it('flagField: the seed flags, absent is false, anything else refused', () => {
    const s = z.object({ LOOP: flagField() });
    expect(s.parse({ LOOP: 'Yes' })).toEqual({ LOOP: true });
    expect(s.parse({ LOOP: 'off' })).toEqual({ LOOP: false });
    expect(s.parse({})).toEqual({ LOOP: false });
    expect(s.safeParse({ LOOP: 'sometimes' }).success).toBe(false);
  });

  it('looseFlagField never refuses: 1/true/yes/on is true', () => {
    const s = z.object({ FORCE: looseFlagField });
    expect([s.parse({ FORCE: 'on' }).FORCE, s.parse({ FORCE: '2' }).FORCE, s.parse({}).FORCE]).toEqual([true, false, false]);
  });

  it('unclearFlagWarning names a loose flag that is neither on nor off, and nothing else', () => {
    expect(unclearFlagWarning('SEND', ' ture ')).toBe(
      'SEND="ture" is neither on (1, true, yes, on) nor off (0, false, no, off): read as off.',
    );
    for (const fine of [undefined, '', ' ', '1', 'YES', 'on', '0', 'False', 'no', 'OFF'])
      expect(unclearFlagWarning('SEND', fine)).toBeNull();
  });

  it('positiveNumberField takes positive decimals, refuses zero, exponents, units and signs with its message', () => {
    const s = z.object({ SEND_TIMEOUT: positiveNumberField('must be a positive number of seconds') });
    expect([s.parse({ SEND_TIMEOUT: '60' }), s.parse({ SEND_TIMEOUT: '0.5' })]).toEqual([{ SEND_TIMEOUT: '60' }, { SEND_TIMEOUT: '0.5' }]);
    for (const bad of ['0', '0.0', '1e3', '1m', '-5', '.5', '']) {
      const result = s.safeParse({ SEND_TIMEOUT: bad });
      expect([bad, result.success, result.error?.issues[0]?.message]).toEqual([bad, false, 'must be a positive number of seconds']);
    }
  });

  it('wholeNumberField refuses decimals and exponents', () => {
    const s = wholeNumberField(1, 10);
    expect([s.safeParse('1e1').success, s.safeParse('5.5').success, s.safeParse('11').success, s.parse('7')]).toEqual([
      false,
      false,
      false,
      7,
    ]);
  });

  it('commaListField drops blanks', () => {
    expect(commaListField.parse(' a, ,b ,')).toEqual(['a', 'b']);
  });
});
