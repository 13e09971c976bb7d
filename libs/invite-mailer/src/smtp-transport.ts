import { PassThrough } from 'node:stream';
import { types } from 'node:util';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';
import { inviteEmlCodes } from '@veza/invite-rules';
import { SmtpUrlInvalidError } from './errors.js';
import { oneLine } from './transport.js';
import type { Envelope, SendResult, Transport } from './transport.js';

/**
 * Hides the password of an SMTP URL. Text that is no URL with a password
 * (`bob:pw@host`, with no scheme, parses as the scheme `bob:`) has whatever
 * stands between a colon and an `@` hidden.
 */
export function redactSmtpUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'SMTP_URL (unparseable)';
  }
  if (parsed.password) {
    parsed.password = '***';
    return parsed.toString();
  }
  return !url.includes('://') && url.includes('@') ? url.replace(/^([^:@/]*):[^@]*@/, '$1:***@') : url;
}

/**
 * The password as it may come back from a server: as it is, and base64 as
 * AUTH LOGIN (the password alone) and AUTH PLAIN (`\0user\0password`) send it.
 */
export function loginForms(user: string, password: string): string[] {
  if (!password) return [];
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  // an echo may drop the padding (=): match without it; a base64 form too short to be told from a word is left out
  const encoded = [b64(password), b64(`\0${user}\0${password}`), b64(`${user}\0${user}\0${password}`)]
    .map((f) => f.replace(/=+$/, ''))
    .filter((f) => f.length >= 4);
  // the password itself always, however short (as before)
  return [...new Set([password, ...encoded])].sort((a, b) => b.length - a.length);
}

/**
 * Hides the login forms of a user and password in a server's answer. A form
 * of 8 characters or more is hidden wherever it stands; a shorter one only as
 * a word of its own (`a` or `smtp` hidden inside every word spelled the
 * password out: "Inv***lid usern***me"); one under 4 characters is not
 * looked for (hiding it garbles every answer, and it guards nothing).
 */
export function loginHider(user: string, password: string): (text: string) => string {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const steps = loginForms(user, password)
    .filter((form) => form.length >= 4)
    .map((form) =>
      form.length >= 8
        ? (text: string) => text.split(form).join('***')
        : (text: string) => text.replace(new RegExp(`(?<![0-9A-Za-z])${escape(form)}(?![0-9A-Za-z])`, 'g'), '***'),
    );
  return (text) => steps.reduce((t, step) => step(t), text);
}

/** `loginHider` for an SMTP URL's user and password, read as nodemailer reads them (percent-decoding included). */
export function smtpLoginHider(url: string): (text: string) => string {
  try {
    const auth = parseConnectionUrl(url).auth;
    return loginHider(auth?.user ?? '', auth?.pass ?? '');
  } catch {
    return (text) => text;
  }
}

/** Node's codes for a relay's TLS certificate this machine does not trust. */
const UNTRUSTED_CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_CA',
]);

/**
 * What to do when the TLS handshake with the relay failed for a reason that
 * no retry changes (its certificate, a TLS port spoken to in plain text or the
 * reverse), or undefined for any other error. nodemailer reports these as
 * `ESOCKET`, the cause in `originalCode`; they read as connection trouble and
 * were retried 3 times per email, then "run the same command again".
 */
export function smtpTlsAdvice(error: { code?: string; originalCode?: string; message?: string }): string | undefined {
  const code = error.originalCode ?? error.code ?? '';
  if (UNTRUSTED_CERTIFICATE.has(code))
    return "the relay's TLS certificate is not trusted here: give the certificate of the CA that signed it (the certificate itself when it is self-signed) with NODE_EXTRA_CA_CERTS=/path/to/ca.pem";
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return "the relay's TLS certificate does not name the host of SMTP_URL: use a host name the certificate holds, or add ?tls.servername=NAME to SMTP_URL";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return "the relay's TLS certificate is outside its validity dates (or this machine's clock is wrong): the relay's administrator must renew it";
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(error.message ?? ''))
    return "smtps:// starts TLS at once and this port answers in plain text: use smtp:// for this port (STARTTLS, usually 587 or 25), or smtps:// with the relay's TLS port (usually 465)";
  return undefined;
}

/** Connection-level failures nodemailer reports without an SMTP code: worth a retry. */
const TEMPORARY_CODES = ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'];

/**
 * Messages sent over one session before it is closed and a fresh one opened:
 * nodemailer's pool default (some relays cap messages per connection).
 * `?maxMessages=N` in SMTP_URL changes it, as it does for nodemailer's pool.
 */
export const MAX_MESSAGES_PER_CONNECTION = 100;

/**
 * Deadlines of a session, in milliseconds, unless SMTP_URL sets them
 * (`?greetingTimeout=…`): nodemailer's own are 2 min to connect, 30 s for the
 * greeting and 10 min of silence, so a relay that hangs held each email for
 * minutes (4 attempts each) before fail-fast could stop the run. 60 s of
 * silence is SEND_TIMEOUT's default for a SEND_CMD.
 */
export const SMTP_TIMEOUTS = Object.freeze({ connectionTimeout: 30_000, greetingTimeout: 15_000, socketTimeout: 60_000 });

/** How long `close()` waits for the server to answer QUIT before dropping the connections. */
const QUIT_DEADLINE_MS = 2_000;

type ConnectionOptions = ReturnType<typeof parseConnectionUrl>;
/** nodemailer's options, and whether the URL's login is what made TLS required */
type SessionOptions = ConnectionOptions & { loginNeedsTls?: true };

/** The SMTP transport, which can also check its settings against the relay. */
export interface SmtpTransport extends Transport {
  /**
   * Opens one session as a send would (connect, EHLO, STARTTLS, login as
   * SMTP_URL says) and closes it, sending nothing; rejects with the
   * session's error (its `response` and `code` as nodemailer gives them).
   */
  verify(): Promise<void>;
}

/** A host on this machine (localhost, 127.0.0.0/8, ::1): a login sent there in clear crosses no network. */
function isLoopbackHost(host: string | undefined): boolean {
  const h = (host ?? '').replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The login goes to another machine only over TLS: with a user and password,
 * `smtp://` to a host that is not this machine requires STARTTLS (nodemailer's
 * `requireTLS`), unless SMTP_URL says otherwise (`?requireTLS=false`, or
 * `?ignoreTLS=true`). Plain `smtp://` upgrades only when the relay offers
 * STARTTLS, so whoever could strip that word from the EHLO answer on the way
 * (or a relay on the wrong port) got the password in clear (AUTH PLAIN is
 * base64, not encryption).
 */
function loginOverTls(options: ConnectionOptions): SessionOptions {
  if (!options.auth || options.secure || options.ignoreTLS || options.requireTLS !== undefined || isLoopbackHost(options.host))
    return options;
  return { ...options, requireTLS: true, loginNeedsTls: true };
}

/** Why a session's login was not sent, as an SMTP error without a server response (so, permanent). */
function loginNotSent(options: SessionOptions, error: { code?: string; message?: string } | null, conn: SMTPConnection): Error | null {
  const where = `${options.host ?? 'localhost'}${options.port ? `:${options.port}` : ''}`;
  if (error) {
    // nodemailer's words when the relay has no STARTTLS (or refuses it) while TLS is required
    if (error.code !== 'ETLS' || !/^Error upgrading connection with STARTTLS/.test(error.message ?? '')) return null;
    const why = options.loginNeedsTls ? 'a password goes to another machine only over TLS' : 'SMTP_URL requires TLS';
    return Object.assign(
      new Error(
        `the relay at ${where} offered no STARTTLS and ${why}: login not sent, nothing sent. ` +
          'Use smtps:// (port 465) or the STARTTLS port (587); a relay without TLS on a network you trust: ?requireTLS=false',
      ),
      { code: 'ETLS' },
    );
  }
  if (options.auth && !conn.allowsAuth)
    return Object.assign(
      new Error(
        `the relay at ${where} offers no login (no AUTH after EHLO): SMTP_URL's user and password not sent, nothing sent. ` +
          'Check the port (587 with STARTTLS, 465 with smtps://), or take the login out of SMTP_URL if this relay needs none',
      ),
      { code: 'EAUTH' },
    );
  return null;
}

interface SmtpError {
  responseCode?: number;
  response?: string;
  code?: string;
  originalCode?: string;
  message: string;
}

/** One open SMTP session (nodemailer's SMTPConnection): connected, greeted, logged in when the URL has credentials. */
class Session {
  messages = 0;
  closed = false;

  private constructor(private readonly conn: SMTPConnection) {
    // The send in flight, if any, gets the same error through its callback; an idle session just ends.
    conn.on('error', () => (this.closed = true));
    conn.on('end', () => (this.closed = true));
  }

  static open(options: SessionOptions): Promise<Session> {
    return new Promise((resolve, reject) => {
      const conn = new SMTPConnection(options);
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        conn.close();
        // an error of another realm (a jest vm context) is no `instanceof Error`: keep its code and cause all the same
        reject(types.isNativeError(error) || error instanceof Error ? error : new Error(String(error)));
      };
      // a password is never sent in clear to another machine, nor to a relay that offers no login
      const onError = (error: Error) => fail(loginNotSent(options, error, conn) ?? error);
      const ready = () => {
        if (settled) return;
        settled = true;
        conn.removeListener('error', onError);
        resolve(new Session(conn));
      };
      conn.on('error', onError);
      conn.connect((error) => {
        if (error) return fail(loginNotSent(options, error, conn) ?? error);
        const refused = loginNotSent(options, null, conn);
        if (refused) return fail(refused);
        if (!options.auth) return ready();
        conn.login(options.auth, (loginError) => (loginError ? fail(loginError) : ready()));
      });
    });
  }

  /**
   * Sends one message. `written` tells whether the whole message had been
   * handed to the connection (after the server's 354) when a failure came:
   * then the server may have it, whatever happened to its answer.
   */
  send(envelope: Envelope, eml: Buffer): Promise<{ response?: string; error?: SmtpError; written: boolean }> {
    this.messages++;
    return new Promise((resolve) => {
      const body = new PassThrough();
      let written = false;
      body.on('end', () => (written = true));
      this.conn.send({ from: envelope.from, to: [envelope.to] }, body, (error, info) =>
        resolve(error ? { error, written } : { response: info?.response, written }),
      );
      body.end(eml);
    });
  }

  /** RSET after a refused message, so that the session can carry the next one; false when it cannot. */
  reset(): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.conn.reset((error) => resolve(!error && !this.closed)));
  }

  /** QUIT, and drop the connection if the server has not closed it within QUIT_DEADLINE_MS. */
  quit(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.conn.close();
        resolve();
      }, QUIT_DEADLINE_MS);
      this.conn.once('end', () => {
        clearTimeout(timer);
        resolve();
      });
      this.conn.quit();
    });
  }

  drop(): void {
    this.closed = true;
    this.conn.close();
  }
}

interface Waiter {
  resolve: (session: Session) => void;
  reject: (error: Error) => void;
}

/**
 * At most `max` SMTP sessions, each reused for the next message (up to
 * MAX_MESSAGES_PER_CONNECTION), opened on demand. Sends beyond `max` at once
 * wait for a session in order.
 */
class SessionPool {
  private readonly idle: Session[] = [];
  private readonly waiters: Waiter[] = [];
  /** sessions saying QUIT (recycled, or refused for reuse): close() waits for them too */
  private readonly quitting = new Set<Promise<void>>();
  /** sessions open or being opened */
  private count = 0;
  private closing = false;

  private readonly maxMessages: number;

  constructor(
    private readonly options: SessionOptions,
    private readonly max: number,
  ) {
    const asked = (options as { maxMessages?: unknown }).maxMessages;
    this.maxMessages = typeof asked === 'number' && asked >= 1 ? asked : MAX_MESSAGES_PER_CONNECTION;
  }

  async acquire(): Promise<Session> {
    if (this.closing) throw new Error('the SMTP transport is closed');
    for (let session = this.idle.pop(); session; session = this.idle.pop()) {
      if (!session.closed) return session;
      this.count--; // the server ended it while it was idle
    }
    if (this.count >= this.max) return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.count++;
    try {
      return await Session.open(this.options);
    } catch (error) {
      this.count--;
      this.serveWaiter();
      throw error;
    }
  }

  /** Gives a session back after a send: to a waiting send, to the idle list, or closed when it should not carry more. */
  release(session: Session, reusable: boolean): void {
    if (!reusable || session.closed || this.closing || session.messages >= this.maxMessages) {
      if (session.closed) session.drop();
      else {
        const quit = session.quit().finally(() => this.quitting.delete(quit));
        this.quitting.add(quit);
      }
      this.count--;
      this.serveWaiter();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(session);
    else this.idle.push(session);
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of this.waiters.splice(0)) waiter.reject(new Error('the SMTP transport is closed'));
    const idle = this.idle.splice(0);
    this.count -= idle.length;
    await Promise.all([...idle.map((session) => session.quit()), ...this.quitting]);
    // sends still in flight close their sessions when they end (release sees `closing`)
  }

  /** A session was closed: the first waiting send may open one of its own. */
  private serveWaiter(): void {
    const waiter = this.waiters.shift();
    if (waiter) this.acquire().then(waiter.resolve, waiter.reject);
  }
}

/**
 * SMTP_URL (smtp:// or smtps://, credentials in the URL, nodemailer's URL
 * options), `connections` sessions reused from one message to the next: each
 * .eml is sent as is, with nodemailer's SMTPConnection (STARTTLS, AUTH,
 * PIPELINING, dot-stuffing) but without its mail composer and pool, which cost
 * twice the CPU per message (DECISIONS.md).
 *
 * Outcomes: 250 sent; 4xx temporary, 5xx permanent; a connection that fails
 * before the whole message went out is temporary (nothing was sent), one that
 * fails after it and before the server's answer is `unknown` (the server may
 * have accepted it: never retried, never counted as sent). A session the
 * server dropped while idle is replaced before the message is sent, once.
 * A user and password in SMTP_URL are sent to a relay on another machine only
 * over TLS, and only to a relay that offers a login (see `loginOverTls`).
 * Throws MAILER_SMTP_URL_INVALID.
 */
export function smtpTransport(url: string, connections: number): SmtpTransport {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SmtpUrlInvalidError(redactSmtpUrl(url), error);
  }
  // no host (`smtp:/user:pw@host`, one slash) would connect to localhost:587 without a word
  if ((parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') || !parsed.hostname) throw new SmtpUrlInvalidError(redactSmtpUrl(url));
  let options: SessionOptions;
  try {
    options = loginOverTls({ ...SMTP_TIMEOUTS, ...parseConnectionUrl(url) });
  } catch (error) {
    throw new SmtpUrlInvalidError(redactSmtpUrl(url), error);
  }
  // nodemailer's own log (`?logger=true`; with `?debug=true`, the whole session) printed every message it sent,
  // invite code included, to stdout: a terminal's scrollback, a CI job's log
  if ((options as { logger?: unknown }).logger)
    throw new SmtpUrlInvalidError(
      redactSmtpUrl(url),
      undefined,
      "?logger prints the SMTP session, each message's invite code included, to the terminal and its logs: take it out " +
        "(a failure is in dispatch.log with the relay's answer; the relay's own log has the session)",
    );
  const pool = new SessionPool(options, Math.max(1, connections));
  // A server or nodemailer could echo the login, as sent (AUTH PLAIN and LOGIN send it in base64):
  // never let the password reach a log, in either form.
  const hide = loginHider(options.auth?.user ?? '', options.auth?.pass ?? '');
  // host:port of the relay, for a connection failure's line (never the login)
  const host = options.host ?? 'localhost';
  const relay = `${host.includes(':') ? `[${host}]` : host}:${options.port ?? (options.secure ? 465 : 587)}`;

  const failure = (error: SmtpError, written: boolean, eml: Buffer): SendResult => {
    const response = oneLine(hide(error.response ?? `${error.code ?? 'error'}: ${error.message}`), inviteEmlCodes(eml));
    // the relay refused the login (535), offers none, or has no STARTTLS where TLS is required (ETLS):
    // nothing about this email, every email gets the same answer
    if (error.code === 'EAUTH' || error.code === 'ETLS') return { ok: false, temporary: false, transportFault: true, response };
    if (error.responseCode) return { ok: false, temporary: error.responseCode >= 400 && error.responseCode < 500, response };
    // the handshake happens before MAIL FROM: nothing was sent, and a retry meets the same certificate. Not
    // after the whole message went out: a TLS error then ("wrong version number": plain bytes on the TLS session)
    // came after the relay had it, and the email is unknown below, never "not sent" (the next run would send it again)
    const tls = written ? undefined : smtpTlsAdvice(error);
    if (tls)
      return {
        ok: false,
        temporary: false,
        transportFault: true,
        response: `${response} (TLS${error.originalCode ? ` ${error.originalCode}` : ''}): not sent; ${tls}`,
      };
    if (written)
      return {
        ok: false,
        temporary: false,
        unknown: true,
        response: `${response} (the connection failed after the whole message was sent, before the server answered: it may have been delivered)`,
      };
    const temporary = TEMPORARY_CODES.includes(error.code ?? '');
    // "ETIMEDOUT: Connection timeout" (a firewall that drops, a host that is down) names no host: say which relay
    return { ok: false, temporary, response: temporary && !response.includes(relay) ? `${response} (relay ${relay})` : response };
  };

  return {
    description: `SMTP ${redactSmtpUrl(url)}`,
    send: async (eml, envelope) => {
      for (let attempt = 1; ; attempt++) {
        let session: Session;
        try {
          session = await pool.acquire();
        } catch (error) {
          return failure(error as SmtpError, false, eml);
        }
        const reused = session.messages > 0;
        const sent = await session.send(envelope, eml);
        if (!sent.error) {
          pool.release(session, true);
          // a relay's 250 is its own one line ("queued as …"), not an echo of the message: the shape check
          // is enough there, and the search of the message for its code (about 10 µs) stays off the hot path
          return { ok: true, temporary: false, response: oneLine(hide(sent.response ?? 'accepted')) };
        }
        const error = sent.error;
        // The server refused this message for good (5xx): RSET and keep the session for the next one. After
        // a 4xx the session is dropped, so that a retry starts on a fresh one (a relay's per-connection cap).
        const refused = (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') && (error.responseCode ?? 0) >= 500 && !session.closed;
        pool.release(session, refused && (await session.reset()));
        // A reused session that the server had dropped while idle, or closes now (421): nothing of this
        // message went out, so it goes on a fresh session, once (nodemailer's pool requeues it the same way).
        const stale = session.closed && !sent.written && (error.responseCode === undefined || error.responseCode === 421);
        if (reused && attempt === 1 && stale) continue;
        return failure(error, sent.written, eml);
      }
    },
    verify: async () => pool.release(await pool.acquire(), false),
    close: () => pool.close(),
  };
}
