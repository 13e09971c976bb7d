/** Two digits, zero-padded. */
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, the same text, built from the date's UTC fields:
 * V8's toISOString is a C++ builtin (a call out of JavaScript and a printf),
 * about 1.1 µs a call on a fresh Date against 0.4 µs here in a loop, and every
 * lookup answers one date, every redeem two (docs/DECISIONS.md, the
 * thirteenth round). Years outside 1000–9999 (a six-digit or negative year,
 * which toISOString signs) and invalid dates (RangeError) are toISOString's own.
 */
export function isoDate(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return date.toISOString();
  const ms = date.getUTCMilliseconds();
  return `${year}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}T${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}
