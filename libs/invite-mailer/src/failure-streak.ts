import type { SendResult } from './transport.js';

export interface FailureStreak {
  record(result: SendResult, recipient: string): void;
  tripped(): boolean;
  /** the last failure's response, for the "stopped" message */
  response(): string;
}

/**
 * Counts consecutive final failures of one kind. A failure that names its
 * recipient (550 <ana@…>: mailbox unavailable) is about that person, not the
 * transport: it breaks the streak instead of feeding it. The kind is the
 * response with digits removed, so "exit 78: … account default not found"
 * five times in a row trips it whatever the queue ids say. `limit` 0 never trips.
 */
export function failureStreak(limit: number): FailureStreak {
  let kind = '';
  let count = 0;
  let last = '';
  return {
    record(result, recipient) {
      if (result.ok || result.response.toLowerCase().includes(recipient.toLowerCase())) {
        count = 0;
        kind = '';
        return;
      }
      const current = result.response.replace(/\(attempt \d+; before: .*\)$/, '').replace(/\d+/g, '#');
      count = current === kind ? count + 1 : 1;
      kind = current;
      last = result.response;
    },
    tripped: () => limit > 0 && count >= limit,
    response: () => last,
  };
}
