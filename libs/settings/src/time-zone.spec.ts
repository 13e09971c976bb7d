import { describe, expect, it } from '@jest/globals';
import { unreadTimeZoneWarning } from './time-zone.js';

describe('unreadTimeZoneWarning', () => {
  it('names a TZ that left the process on UTC (a POSIX rule, an unknown name), with its value', () => {
    for (const tz of ['CET-1CEST,M3.5.0,M10.5.0/3', 'CET-1CEST', 'Nowhere/City'])
      expect([tz, unreadTimeZoneWarning(tz, true)?.startsWith(`TZ=${JSON.stringify(tz)} is not a time zone Node reads`)]).toEqual([
        tz,
        true,
      ]);
  });

  it('is silent for an IANA name, a spelling of UTC, a rule Node did read (not on UTC), and no TZ', () => {
    for (const tz of ['Europe/Paris', ':Europe/Paris', 'UTC', 'UTC0', 'Etc/GMT', 'gmt0', '', ' ', undefined])
      expect([tz, unreadTimeZoneWarning(tz, true)]).toEqual([tz, null]);
    expect(unreadTimeZoneWarning('XYZ-14', false)).toBeNull();
  });
});
