import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { SMTPServerOptions } from 'smtp-server';

export interface SmtpSinkOptions {
  /** recipients refused with a permanent 550 */
  rejectRecipients?: string[];
  /** connections at once (smtp-server's default is 10; a load test opens more) */
  maxClients?: number;
  /** prepended to each file name (`<prefix>000001.eml`), e.g. a process id when several sinks share a folder */
  filePrefix?: string;
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:<port>, for SMTP_URL */
  url: string;
  /** messages accepted so far */
  count(): number;
  /** bytes of the messages accepted so far */
  bytes(): number;
  /** SMTP connections opened to it so far */
  connections(): number;
  close(): Promise<void>;
}

/**
 * A local SMTP server on 127.0.0.1 that accepts every message: the demo's mail
 * relay, and the tests' and benchmarks'. With a `dir`, each message is written
 * there as `<n>.eml`; with `null` it is only counted. Needs the optional peer
 * `smtp-server`, loaded on first use (so `fakeTransport` users do not need it).
 */
export async function startSmtpSink(dir: string | null, options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const { SMTPServer } = await import('smtp-server');
  if (dir) mkdirSync(dir, { recursive: true });
  const reject = new Set((options.rejectRecipients ?? []).map((r) => r.toLowerCase()));
  let received = 0;
  let size = 0;
  let connections = 0;
  const settings: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (reject.has(address.address.toLowerCase()))
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      let length = 0;
      stream.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (dir) chunks.push(chunk);
      });
      stream.on('end', () => {
        received++;
        size += length;
        if (dir) writeFileSync(join(dir, `${options.filePrefix ?? ''}${String(received).padStart(6, '0')}.eml`), Buffer.concat(chunks));
        callback(null);
      });
    },
  };
  if (options.maxClients !== undefined) settings.maxClients = options.maxClients;
  const server = new SMTPServer(settings);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    count: () => received,
    bytes: () => size,
    connections: () => connections,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
