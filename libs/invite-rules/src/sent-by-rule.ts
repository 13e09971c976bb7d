import { emailProblem } from './email-rule.js';
import { isUuid } from './uuid.js';

/** Why a sent_by value is refused, or null: it must be the inviter's email or users.id (UUID). */
export function sentByProblem(sentBy: string): string | null {
  if (isUuid(sentBy)) return null;
  const problem = emailProblem(sentBy);
  return problem ? `must be the inviter's email or user id (UUID); as an email it ${problem.reason}` : null;
}
