import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { SendCmdNotFoundError } from './errors.js';
import { oneLine } from './transport.js';
import type { Transport } from './transport.js';

/** sysexits.h EX_TEMPFAIL: the mailer asks to be tried again later. */
const EX_TEMPFAIL = 75;

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

/**
 * SEND_CMD: a shell command that reads one .eml on stdin (`msmtp -t`,
 * `sendmail -t -i`); exit 0 means accepted, 75 a temporary failure. Throws
 * MAILER_SEND_CMD_NOT_FOUND when its program is not on PATH.
 */
export function sendCmdTransport(command: string, env: NodeJS.ProcessEnv): Transport {
  const program = command.trim().split(/\s+/)[0] ?? '';
  if (!program || !onPath(program, env)) throw new SendCmdNotFoundError(program || command);
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
