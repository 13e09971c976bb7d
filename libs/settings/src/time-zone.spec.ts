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

  it('is silent for a rule that names UTC+0 all year under another name (the day is right), not for one with a summer time', () => {
    for (const tz of ['WET0', 'XYZ-0', '<+00>0', 'GMT+00:00', 'ABC+0:00:00'])
      expect([tz, unreadTimeZoneWarning(tz, true)]).toEqual([tz, null]);
    for (const tz of ['WET0WEST,M3.5.0/1,M10.5.0', 'XYZ1', '<+00>0:30'])
      expect([tz, unreadTimeZoneWarning(tz, true)?.startsWith(`TZ=${JSON.stringify(tz)} is not a time zone Node reads`)]).toEqual([
        tz,
        true,
      ]);
  });
});
