import type { SendResult } from './transport.js';

export interface FailureStreak {
  record(result: SendResult, recipient: string): void;
  tripped(): boolean;
  /** the last failure's response, for the "stopped" message */
  response(): string;
}

/**
 * A refusal about this recipient's mailbox (it names them, and its status is
 * a mailbox one: 5.1.x bad address, 5.2.x mailbox full or disabled, or the
 * words say so), not about the sender or the relay: "554 5.7.1 <ana@…>: Relay
 * access denied" names the recipient too, and refuses everyone.
 */
function aboutThePerson(response: string, recipient: string): boolean {
  if (!response.toLowerCase().includes(recipient.toLowerCase())) return false;
  const status = /\b[245]\.(\d{1,3})\.\d{1,3}\b/.exec(response);
  if (status) return status[1] === '1' || status[1] === '2';
  return !/relay|access denied|authenticat|not permitted|policy|blocked|spam|sender/i.test(response);
}

/**
 * Counts consecutive final failures of one kind. A failure about the
 * recipient's mailbox (550 5.1.1 <ana@…>: mailbox unavailable) is about that
 * person, not the transport: it breaks the streak instead of feeding it; one
 * that names the recipient but refuses the sending (5.7.1 relay access
 * denied) feeds it, the recipient left out of its kind. The kind is the
 * response with digits removed, so "exit 78: … account default not found"
 * five times in a row trips it whatever the queue ids say. `limit` 0 never trips.
 */
export function failureStreak(limit: number): FailureStreak {
  let kind = '';
  let count = 0;
  let last = '';
  return {
    record(result, recipient) {
      if (result.ok || aboutThePerson(result.response, recipient)) {
        count = 0;
        kind = '';
        return;
      }
      const current = result.response
        .replace(/\(attempt \d+; before: .*\)$/, '')
        .split(recipient)
        .join('<recipient>')
        .replace(/\d+/g, '#');
      count = current === kind ? count + 1 : 1;
      kind = current;
      last = result.response;
    },
    tripped: () => limit > 0 && count >= limit,
    response: () => last,
  };
}
