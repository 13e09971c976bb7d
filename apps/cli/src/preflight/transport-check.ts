import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { withoutSecretSettings } from '@veza/settings';
import {
  blankTransportSettingError,
  redactSmtpUrl,
  sendCmdTransport,
  smtpLoginHider,
  smtpTlsAdvice,
  smtpTransport,
} from '@veza/invite-mailer';
import type { SmtpTransport } from '@veza/invite-mailer';
import { fail, pass } from './check-helpers.js';
import type { Check } from './check-helpers.js';

export const TRANSPORT_TITLE = 'Mail transport ready';
/** How long the transport may take to answer (20 s): a TLS handshake and a login on a slow relay. */
const TRANSPORT_DEADLINE_MS = 20_000;

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

/**
 * SMTP_URL: connect, EHLO, STARTTLS and AUTH as a send does them (the
 * dispatch's own transport, sending nothing), within the deadline. nodemailer's
 * `verify` said "login accepted" of a relay that offers no login: it skips
 * the login then, and every send failed.
 */
async function verifySmtp(url: string): Promise<Check> {
  const shown = redactSmtpUrl(url);
  let transport: SmtpTransport;
  try {
    // the URL as dispatch reads it: what dispatch refuses is not checked here as if it were good
    transport = smtpTransport(url, 1);
  } catch (error) {
    // the transport's refusal says why (with the password hidden): an unparseable URL, or an option it does not take
    const why =
      (error as { code?: string }).code === 'MAILER_SMTP_URL_INVALID'
        ? (error as Error).message
        : `SMTP_URL is not a valid SMTP URL (${shown})`;
    return fail(TRANSPORT_TITLE, why, 'set SMTP_URL to smtp://user:pass@host:587 or smtps://user:pass@host:465');
  }
  const hideLogin = smtpLoginHider(url);
  const hide = (text: string) => hideLogin(text.split(url).join(shown));
  let timer: NodeJS.Timeout | undefined;
  try {
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${TRANSPORT_DEADLINE_MS / 1000} s`)), TRANSPORT_DEADLINE_MS);
    });
    await Promise.race([transport.verify(), deadline]);
    // smtp:// upgrades with STARTTLS only when the relay offers it (or when a login must go to another machine):
    // say TLS only where it was required
    const tls = /^smtps:/i.test(url) || /[?&]requireTLS=true\b/i.test(url) ? 'TLS, ' : '';
    const login = new URL(url).username ? 'login accepted' : 'no login asked (SMTP_URL has no user)';
    const note = tls
      ? ''
      : '; plain smtp:// uses TLS only if the relay offers STARTTLS, or when it sends a password to another machine (smtps:// or ?requireTLS=true insists)';
    return pass(TRANSPORT_TITLE, `SMTP ${shown}: connected, EHLO, ${tls}${login} (nothing sent)${note}`);
  } catch (error) {
    const e = error as { response?: string; code?: string; originalCode?: string; message?: string };
    const why = oneLine(e.response ?? `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`);
    const tls = e.response ? undefined : smtpTlsAdvice(e);
    if (tls) return fail(TRANSPORT_TITLE, `SMTP ${shown}: ${hide(why)} (TLS${e.originalCode ? ` ${e.originalCode}` : ''})`, tls);
    return fail(TRANSPORT_TITLE, `SMTP ${shown}: ${hide(why)}`, 'check SMTP_URL: host, port, smtps:// or STARTTLS, user and password');
  } finally {
    clearTimeout(timer);
    // a session still opening at the deadline is dropped with the process; close() does not wait for it
    void transport.close();
  }
}

/** msmtp: `SEND_CMD --serverinfo` makes msmtp resolve its account and talk to its server, sending nothing. */
function askMsmtp(command: string, shown: string, env: NodeJS.ProcessEnv): Promise<Check> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${command} --serverinfo`], {
      env: withoutSecretSettings(env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TRANSPORT_DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(fail(TRANSPORT_TITLE, `${shown}: ${error.message}`, 'install msmtp, or set SEND_CMD or SMTP_URL'));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // msmtp's answer, without its "ignoring …/loaded …" notes: the line that says what is wrong
      const said =
        stderr
          .split('\n')
          .filter((l) => /^msmtp:/.test(l.trim()))
          .map(oneLine)
          .join('; ') || oneLine(stderr);
      if (code === 0)
        resolve(pass(TRANSPORT_TITLE, `${shown}: msmtp resolved its account and its server answered (msmtp --serverinfo, nothing sent)`));
      else if (signal)
        resolve(
          fail(
            TRANSPORT_TITLE,
            `${shown}: msmtp --serverinfo gave no answer within ${TRANSPORT_DEADLINE_MS / 1000} s`,
            'check the host and port in ~/.msmtprc and the network',
          ),
        );
      else
        resolve(
          fail(
            TRANSPORT_TITLE,
            `${shown}: msmtp --serverinfo exit ${code}${said ? `: ${said}` : ''}`,
            'configure msmtp (~/.msmtprc, chmod 600, an account "default" or -a ACCOUNT in SEND_CMD), then: msmtp --serverinfo',
          ),
        );
    });
  });
}

/**
 * "Mail transport ready", proven rather than assumed: SMTP_URL is verified
 * against the server, msmtp is asked itself, and any other SEND_CMD counts
 * as ready only when the test send (--send-test-to) went through it.
 */
export async function transportCheck(env: NodeJS.ProcessEnv, testSend: Check | null): Promise<Check> {
  // a blank SMTP_URL or SEND_CMD is refused as dispatch refuses it, not checked as msmtp -t
  const blank = blankTransportSettingError(env);
  if (blank) return fail(TRANSPORT_TITLE, blank.message, `give ${blank.variable} a value, or unset it (and remove it from .env)`);
  const smtp = env['SMTP_URL']?.trim();
  if (smtp) return verifySmtp(smtp);
  const command = env['SEND_CMD']?.trim() || 'msmtp -t';
  const transport = sendCmdTransport(command, env); // throws, naming the program, when it is not on PATH
  await transport.close();
  if (basename(command.split(/\s+/)[0] ?? '') === 'msmtp') return askMsmtp(command, transport.description, env);
  if (testSend?.status === 'pass') return pass(TRANSPORT_TITLE, `${transport.description} delivered the test send below`);
  if (testSend)
    return fail(TRANSPORT_TITLE, `${transport.description}: the test send below failed`, 'fix the mailer, then run preflight again');
  return {
    title: TRANSPORT_TITLE,
    status: 'skipped',
    detail: `${transport.description} is installed, but only a real send proves it delivers`,
    fix: 'pass --send-test-to you@veza.fr (a test invitation through SEND_CMD)',
  };
}
