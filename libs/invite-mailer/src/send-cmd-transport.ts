import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { InvalidOptionError, SendCmdNotFoundError } from './errors.js';
import { runSendCmd } from './run-send-cmd.js';
import type { Transport } from './transport.js';

/** Every default of the SEND_CMD transport. */
export const SEND_CMD_DEFAULTS = Object.freeze({
  timeoutMs: 60_000, // ms (SEND_TIMEOUT 60 s): msmtp gives up on an SMTP server after 60 s by default
  killGraceMs: 5_000, // ms between TERM and KILL: time for the mailer to end its SMTP session
});

export interface SendCmdOptions {
  /** deadline of one send, in ms (SEND_TIMEOUT × 1000); the command is then killed */
  timeoutMs?: number;
  /** ms between TERM and KILL */
  killGraceMs?: number;
}

function onPath(command: string, env: NodeJS.ProcessEnv): boolean {
  const candidates =
    isAbsolute(command) || command.includes('/') ? [command] : (env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, command));
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
 * `sendmail -t -i`); exit 0 means accepted, 75 a temporary failure. Each send
 * has a deadline (`timeoutMs`, 60 s): the command's process group then gets
 * TERM, and KILL `killGraceMs` later. Throws MAILER_SEND_CMD_NOT_FOUND when
 * its program is not on PATH, MAILER_INVALID_OPTION for a bad deadline.
 */
export function sendCmdTransport(command: string, env: NodeJS.ProcessEnv, options: SendCmdOptions = {}): Transport {
  const program = command.trim().split(/\s+/)[0] ?? '';
  if (!program || !onPath(program, env)) throw new SendCmdNotFoundError(program || command);
  const deadline = {
    timeoutMs: options.timeoutMs ?? SEND_CMD_DEFAULTS.timeoutMs,
    killGraceMs: options.killGraceMs ?? SEND_CMD_DEFAULTS.killGraceMs,
  };
  if (!Number.isFinite(deadline.timeoutMs) || deadline.timeoutMs <= 0)
    throw new InvalidOptionError('SEND_TIMEOUT', 'a positive number of seconds');
  if (!Number.isFinite(deadline.killGraceMs) || deadline.killGraceMs < 0)
    throw new InvalidOptionError('killGraceMs', 'milliseconds, 0 or more');
  return {
    description: `SEND_CMD ${command}`,
    send: (eml) => runSendCmd(command, env, eml, deadline),
    close: () => Promise.resolve(),
  };
}
