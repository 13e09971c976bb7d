/** C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * A value from an API's JSON as display text: strings as they are, numbers and
 * booleans printed, objects and arrays as JSON, `fallback` when it is absent.
 */
export function jsonText(value: unknown, fallback = ''): string {
  switch (typeof value) {
    case 'string':
      // Control characters (terminal escapes, line breaks) from an API never reach a terminal or a report as they are.
      return value.replace(CONTROL_CHARACTERS, ' ');
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? fallback : JSON.stringify(value);
    default:
      return fallback;
  }
}

/** Milliseconds of an ISO 8601 date-time with a zone (as GitHub and Sentry write them), or null for anything else. */
export function isoTime(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}
