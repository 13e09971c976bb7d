import { controlCharProblem } from './control-chars.js';
import { INVITE_LIMITS } from './limits.js';

/**
 * Why a display name is refused, or null. Any language is fine; control
 * characters are not (they would reach a mail header), nor `{{` or `}}`: the
 * invite renderer refuses any text that looks like a placeholder, so that no
 * `{{…}}` ever reaches a recipient.
 */
export function nameProblem(name: string): string | null {
  if (name.length > INVITE_LIMITS.nameLength) return `is longer than ${INVITE_LIMITS.nameLength} characters`;
  const control = controlCharProblem(name);
  if (control) return control;
  if (name.includes('{{') || name.includes('}}')) return 'contains "{{" or "}}", which the email template would read as a placeholder';
  return null;
}
