import { HeaderInjectionError } from './errors.js';

// C0 controls (CR and LF included) and DEL: any of them in a header value can
// end the header early and smuggle a new one (Bcc:, Content-Type:…).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/** True when a value holds a control character (tab included: header values never need one). */
export function hasControlChars(value: string): boolean {
  return CONTROL.test(value);
}

/** Returns the value, or throws EMAIL_HEADER_INVALID naming the field when it could inject a header. */
export function assertHeaderValue(field: string, value: string): string {
  if (hasControlChars(value)) throw new HeaderInjectionError(field);
  return value;
}
