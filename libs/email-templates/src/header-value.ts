import { CONTROL_CHARS } from '@veza/invite-rules';
import { HeaderInjectionError } from './errors.js';

// C0 and C1 controls (CR, LF and NEL included), DEL, U+2028/U+2029 and the
// invisible bidi and zero-width characters: the invite rules' one list. Any of
// them in a header value can end the header early and smuggle a new one (Bcc:,
// Content-Type:…) in some mail library, or disguise what the reader sees.

/** True when a value holds a control character (tab included: header values never need one). */
export function hasControlChars(value: string): boolean {
  return CONTROL_CHARS.test(value);
}

/** Returns the value, or throws EMAIL_HEADER_INVALID naming the field when it could inject a header. */
export function assertHeaderValue(field: string, value: string): string {
  if (hasControlChars(value)) throw new HeaderInjectionError(field);
  return value;
}
