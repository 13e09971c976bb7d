import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { createTransport } from 'nodemailer';
import { ExitError } from '../exit-error.js';

export interface SendResult {
  ok: boolean;
  /** worth retrying later: SMTP 4xx, connection trouble, SEND_CMD exit 75 (EX_TEMPFAIL) */
  temporary: boolean;
  /** one line, for dispatch.log */
  response: string;
}

export interface Transport {
  readonly description: string;
  send(eml: Buffer, envelope: { from: string; to: string }): Promise<SendResult>;
  close(): Promise<void>;
}

const EX_TEMPFAIL = 75;
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

/** Hides the password of an SMTP URL. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'SMTP_URL (unparseable)';
  }
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const candidates = isAbsolute(command) || command.includes('/') ? [command] : (env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** SEND_CMD: a shell command that reads one .eml on stdin (msmtp -t, sendmail -t -i); exit 0 means accepted. */
export function sendCmdTransport(command: string, env: NodeJS.ProcessEnv): Transport {
  const program = command.trim().split(/\s+/)[0] ?? '';
  if (!program || !onPath(program, env)) {
    throw new ExitError(1, `SEND_CMD: '${program || command}' was not found on PATH; install it (e.g. msmtp), set SEND_CMD to your mailer, or set SMTP_URL`);
  }
  return {
    description: `SEND_CMD ${command}`,
    send: (eml) =>
      new Promise((resolve) => {
        const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.on('error', (error) => resolve({ ok: false, temporary: false, response: oneLine(error.message) }));
        child.on('close', (code, signal) => {
          const detail = oneLine(output);
          if (code === 0) resolve({ ok: true, temporary: false, response: detail || 'exit 0' });
          else resolve({ ok: false, temporary: code === EX_TEMPFAIL, response: `exit ${code ?? signal}${detail ? `: ${detail}` : ''}` });
        });
        child.stdin.on('error', () => undefined); // a mailer that exits early closes its stdin
        child.stdin.end(eml);
      }),
    close: async () => undefined,
  };
}

/** SMTP_URL (smtp:// or smtps://, credentials in the URL): the .eml is sent as is. */
export function smtpTransport(url: string, connections: number): Transport {
  let transporter: ReturnType<typeof createTransport>;
  try {
    transporter = createTransport({ url, pool: true, maxConnections: connections } as Parameters<typeof createTransport>[0]);
  } catch {
    throw new ExitError(1, `SMTP_URL: not a valid SMTP URL (${redactSmtpUrl(url)})`);
  }
  return {
    description: `SMTP ${redactSmtpUrl(url)}`,
    send: async (eml, envelope) => {
      try {
        const info = (await transporter.sendMail({ envelope, raw: eml })) as { response?: string };
        return { ok: true, temporary: false, response: oneLine(info.response ?? 'accepted') };
      } catch (error) {
        const e = error as { responseCode?: number; response?: string; code?: string; message: string };
        const temporary = e.responseCode ? e.responseCode >= 400 && e.responseCode < 500 : ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'].includes(e.code ?? '');
        return { ok: false, temporary, response: oneLine(e.response ?? `${e.code ?? 'error'}: ${e.message}`) };
      }
    },
    close: async () => transporter.close(),
  };
}

/** SMTP_URL when set, else SEND_CMD (default `msmtp -t`). */
export function transportFromEnv(env: NodeJS.ProcessEnv, connections: number): Transport {
  const smtp = env['SMTP_URL']?.trim();
  if (smtp) return smtpTransport(smtp, connections);
  return sendCmdTransport(env['SEND_CMD']?.trim() || 'msmtp -t', env);
}
