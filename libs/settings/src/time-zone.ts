/** TZ spellings of UTC itself, which Node reads as UTC rightly (`UTC0` is no IANA name, and is UTC). */
const UTC_NAMES = /^(?:Etc\/)?(?:UTC|UCT|GMT|Universal|Zulu)0?$/i;

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
 * spelling of UTC, or a rule Node did read (`XYZ-14` without daylight saving).
 */
export function unreadTimeZoneWarning(tz: string | undefined, onUtc: boolean = runsOnUtc()): string | null {
  const name = tz?.trim().replace(/^:/, '') ?? '';
  if (name === '' || !onUtc || UTC_NAMES.test(name)) return null;
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return null; // a zone Node knows that is UTC all year (Africa/Abidjan)
  } catch {
    return `TZ=${JSON.stringify(tz)} is not a time zone Node reads (a POSIX rule such as CET-1CEST, or an unknown name): veza-beta runs on UTC, so out-<date>/, decision-<date>/ and "today" follow the UTC day, not the one \`date\` shows; set TZ to an IANA name (Europe/Paris).`;
  }
}
