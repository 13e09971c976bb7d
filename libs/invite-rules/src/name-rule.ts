import { controlCharProblem } from './control-chars.js';
import { encodedWordProblem } from './encoded-word.js';
import { garbledTextProblem } from './garbled-text.js';
import { INVITE_LIMITS } from './limits.js';

/**
 * Why a display name is refused, or null. Any language is fine; control
 * characters are not (they would reach a mail header), nor an encoded word
 * (`=?UTF-8?B?…?=`, decoded by mail programs), nor `{{` or `}}`: the
 * invite renderer refuses any text that looks like a placeholder, so that no
 * `{{…}}` ever reaches a recipient. Nor a name damaged by a wrong encoding
 * ("FranÃ§ois", U+FFFD), which would reach the recipient as it is.
 */
export function nameProblem(name: string): string | null {
  if (name.length > INVITE_LIMITS.nameLength) return `is longer than ${INVITE_LIMITS.nameLength} characters`;
  const control = controlCharProblem(name);
  if (control) return control;
  if (name.includes('{{') || name.includes('}}')) return 'contains "{{" or "}}", which the email template would read as a placeholder';
  // `=?UTF-8?B?…?=` in a display name: mail programs decode it, and show what it hides ("Bcc: …") as the name
  return encodedWordProblem(name) ?? garbledTextProblem(name);
}
