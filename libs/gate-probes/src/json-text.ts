/**
 * A value from an API's JSON as display text: strings as they are, numbers and
 * booleans printed, objects and arrays as JSON, `fallback` when it is absent.
 */
export function jsonText(value: unknown, fallback = ''): string {
  switch (typeof value) {
    case 'string':
      return value;
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
