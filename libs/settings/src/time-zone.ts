/** TZ spellings of UTC itself, which Node reads as UTC rightly (`UTC0` is no IANA name, and is UTC). */
const UTC_NAMES = /^(?:Etc\/)?(?:UTC|UCT|GMT|Universal|Zulu)0?$/i;

/**
 * A POSIX rule without daylight saving whose offset is zero (`WET0`, `XYZ-0`, `<+00>0`, `GMT+00:00`): Node reads
 * it as UTC, which is what it names, so the day is right under any name.
 */
const POSIX_ZERO_OFFSET = /^(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)[+-]?0{1,2}(?::0{1,2}(?::0{1,2})?)?$/;

/** Whether this process's clock runs on UTC all year (1 January and 1 July alike). */
function runsOnUtc(): boolean {
  const year = new Date().getFullYear();
  return [0, 6].every((month) => new Date(year, month, 1).getTimezoneOffset() === 0);
}

/**
 * A warning when `TZ` names a zone Node does not read, so that the process
 * runs on UTC: a POSIX rule with daylight saving (`CET-1CEST,M3.5.0,M10.5.0/3`,
 * which `date` reads) or an unknown name. The day of the dated folders
 * (`out-<date>/`, `decision-<date>/`) and "today" then follow UTC, not the day
 * `date` shows, without a word. Null when TZ is unset, blank, an IANA name, a
 * spelling of UTC, a rule Node did read (`XYZ-14` without daylight saving), or
 * one that names UTC+0 all year under another name (`WET0`), which running on UTC honours.
 */
export function unreadTimeZoneWarning(tz: string | undefined, onUtc: boolean = runsOnUtc()): string | null {
  const name = tz?.trim().replace(/^:/, '') ?? '';
  if (name === '' || !onUtc || UTC_NAMES.test(name) || POSIX_ZERO_OFFSET.test(name)) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return null; // a zone Node knows that is UTC all year (Africa/Abidjan)
  } catch {
    return `TZ=${JSON.stringify(tz)} is not a time zone Node reads (a POSIX rule such as CET-1CEST, or an unknown name): veza-beta runs on UTC, so out-<date>/, decision-<date>/ and "today" follow the UTC day, not the one \`date\` shows; set TZ to an IANA name (Europe/Paris).`;
  }
}
