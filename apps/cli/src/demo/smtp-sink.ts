import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  port: number;
  url: string;
  /** how many messages were accepted */
  count(): number;
  close(): Promise<void>;
}

/**
 * A local SMTP server that accepts every message and writes it to `dir` as
 * <n>.eml: the demo's mail relay, and the tests'. Recipients listed in
 * `rejectRecipients` get a permanent 550 refusal.
 */
export async function startSmtpSink(dir: string, options: { rejectRecipients?: string[] } = {}): Promise<SmtpSink> {
  mkdirSync(dir, { recursive: true });
  const reject = new Set((options.rejectRecipients ?? []).map((r) => r.toLowerCase()));
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (reject.has(address.address.toLowerCase())) {
        const error = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
        return callback(error);
      }
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        received++;
        writeFileSync(join(dir, `${String(received).padStart(6, '0')}.eml`), Buffer.concat(chunks));
        callback(null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    count: () => received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
