// Test helpers for projects that use @veza/invite-mailer: a transport that
// records what it was given, without a process or a socket; and a local SMTP
// sink (a real server, for end-to-end tests and the demo).
import type { Envelope, SendResult, Transport } from './transport.js';

export { startSmtpSink } from './smtp-sink.js';
export type { SmtpSink, SmtpSinkOptions } from './smtp-sink.js';

export interface FakeTransport extends Transport {
  /** every attempt, in order */
  readonly attempts: { to: string; eml: string }[];
  /** the recipients accepted, in order */
  readonly sent: string[];
  closed: boolean;
}

/**
 * A transport whose answer for each attempt is `answer(to, attemptOfThisRecipient)`
 * (default: accepted). `delayMs` makes each send take that long.
 */
export function fakeTransport(
  answer: (to: string, attempt: number) => SendResult | Promise<SendResult> = () => ({ ok: true, temporary: false, response: '250 ok' }),
  delayMs = 0,
): FakeTransport {
  const counts = new Map<string, number>();
  const fake: FakeTransport = {
    description: 'fake transport',
    attempts: [],
    sent: [],
    closed: false,
    send: async (eml: Buffer, envelope: Envelope) => {
      const attempt = (counts.get(envelope.to) ?? 0) + 1;
      counts.set(envelope.to, attempt);
      fake.attempts.push({ to: envelope.to, eml: eml.toString('utf8') });
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const result = await answer(envelope.to, attempt);
      if (result.ok) fake.sent.push(envelope.to);
      return result;
    },
    close: () => {
      fake.closed = true;
      return Promise.resolve();
    },
  };
  return fake;
}
