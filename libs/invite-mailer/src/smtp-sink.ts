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

/** marks the servers whose connections greet at once (see greetAtOnce) */
const GREET_AT_ONCE = Symbol.for('@veza/invite-mailer:smtp-sink:greet-at-once');

/** the parts of smtp-server's connection that greetAtOnce uses (its own, unexported) */
interface SmtpServerConnection {
  _server: { options: { maxClients?: number }; connections: Set<unknown>; [GREET_AT_ONCE]?: true };
  name: string;
  init: (this: SmtpServerConnection) => void;
  connectionReady(): void;
  send(code: number, text: string, end: boolean): void;
  _setListeners(callback: () => void): void;
}

/**
 * smtp-server waits 100 ms on every new connection before it sends its 220
 * greeting, to catch spam clients that talk first. No relay this tool sends
 * through does that (Postfix's smtpd greets at once; only postscreen, in front
 * of an inbound MX, pauses), and every session paid it: nodemailer's pool opens
 * a new session each 100 messages, so a 10,000-email dispatch on 4 connections
 * waited 25 × 100 ms on each, a quarter of the bare transport's time, and a
 * `SEND_CMD` client such as msmtp paid it on every email. For the servers
 * marked GREET_AT_ONCE only, a connection greets as soon as it is set up
 * (its maxClients check kept); every other smtp-server in the process is
 * unchanged. If the installed smtp-server's connection has another shape, it
 * is left as it is (the pause stays, nothing breaks).
 */
async function greetAtOnce(): Promise<void> {
  const specifier = 'smtp-server/lib/smtp-connection.js';
  let proto: SmtpServerConnection & { [GREET_AT_ONCE]?: true };
  try {
    const module = (await import(specifier)) as { SMTPConnection?: { prototype: typeof proto } };
    if (!module.SMTPConnection) return;
    proto = module.SMTPConnection.prototype;
  } catch {
    return;
  }
  if (proto[GREET_AT_ONCE] || typeof proto._setListeners !== 'function' || typeof proto.connectionReady !== 'function') return;
  const init = proto.init;
  proto.init = function (this: SmtpServerConnection) {
    if (!this._server[GREET_AT_ONCE]) return init.call(this);
    this._setListeners(() => {
      const { maxClients } = this._server.options;
      if (maxClients && this._server.connections.size > maxClients)
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      this.connectionReady();
    });
  };
  proto[GREET_AT_ONCE] = true;
}

/**
 * A local SMTP server on 127.0.0.1 that accepts every message: the demo's mail
 * relay, and the tests' and benchmarks'. With a `dir`, each message is written
 * there as `<n>.eml`; with `null` it is only counted. It greets at once (no
 * early-talker pause, see greetAtOnce) and asks no DNS for the client's name.
 * Needs the optional peer `smtp-server`, loaded on first use (so
 * `fakeTransport` users do not need it).
 */
export async function startSmtpSink(dir: string | null, options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const { SMTPServer } = await import('smtp-server');
  await greetAtOnce();
  if (dir) mkdirSync(dir, { recursive: true });
  const reject = new Set((options.rejectRecipients ?? []).map((r) => r.toLowerCase()));
  let received = 0;
  let size = 0;
  let connections = 0;
  const settings: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    // a reverse lookup of 127.0.0.1 on every connection asks this machine's DNS server
    disableReverseLookup: true,
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
  (server as unknown as { [GREET_AT_ONCE]?: true })[GREET_AT_ONCE] = true;
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
