import { accessSync, constants, existsSync } from 'node:fs';
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

/** Shell words that are not a program to look for: the shell runs them itself. */
const SHELL_WORDS = new Set([
  'trap',
  'set',
  'eval',
  'cd',
  'export',
  'umask',
  'ulimit',
  '.',
  'source',
  'command',
  'builtin',
  'if',
  'for',
  'while',
  'until',
  'case',
  '!',
  '{',
  '(',
]);

/**
 * The program SEND_CMD runs, as the shell would find it: past `VAR=value`
 * assignments and `exec`. Null when the command starts with shell syntax
 * (`trap …`, `cat>/dev/null`, a subshell): the shell itself says what is wrong then.
 */
export function sendCmdProgram(command: string): string | null {
  const words = command.trim().split(/\s+/);
  let i = 0;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!)) i++;
  if (words[i] === 'exec') i++;
  const word = words[i];
  // `~user/…` is another user's home: the shell's to resolve
  if (!word || SHELL_WORDS.has(word) || /[<>|;&(){}$`"'\\]/.test(word) || /^~[^/]/.test(word)) return null;
  return word;
}

/**
 * Why the program cannot run, or null when it can: a path is looked at as it
 * is, a bare name on PATH, and `~/…` in HOME, as the shell that runs the
 * command expands it (`SEND_CMD=~/bin/veza-mail -t` in a .env was refused as
 * "does not exist", and the shell would have run it).
 */
function programProblem(word: string, env: NodeJS.ProcessEnv): SendCmdNotFoundError | null {
  const home = env['HOME'];
  const program = word.startsWith('~/') && home ? join(home, word.slice(2)) : word;
  const candidates =
    isAbsolute(program) || program.includes('/') ? [program] : (env['PATH'] ?? '').split(delimiter).map((dir) => join(dir, program));
  let exists = false;
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return null;
    } catch {
      exists ||= existsSync(path);
    }
  }
  if (exists) return new SendCmdNotFoundError(program, 'not executable');
  return new SendCmdNotFoundError(program, candidates.length === 1 && candidates[0] === program ? 'no such file' : 'not on PATH');
}

/**
 * SEND_CMD: a shell command that reads one .eml on stdin (`msmtp -t`,
 * `sendmail -t -i`); exit 0 means accepted, 75 a temporary failure. Each send
 * has a deadline (`timeoutMs`, 60 s): the command's process group then gets
 * TERM, and KILL `killGraceMs` later. Throws MAILER_SEND_CMD_NOT_FOUND when
 * its program is not on PATH, MAILER_INVALID_OPTION for a bad deadline.
 */
/**
 * SEND_CMD as it may be shown (a start line, preflight, a report): its program
 * and `…` for the rest, since a mailer's arguments can carry a login (`curl
 * --user u:pw`, `sendmail -ap pw`).
 */
export function describeSendCmd(command: string): string {
  const program = sendCmdProgram(command);
  if (program === null) return 'SEND_CMD (a shell command)';
  return `SEND_CMD ${program}${command.trim() === program ? '' : ' …'}`;
}

export function sendCmdTransport(command: string, env: NodeJS.ProcessEnv, options: SendCmdOptions = {}): Transport {
  if (!command.trim()) throw new SendCmdNotFoundError(command);
  const program = sendCmdProgram(command);
  const problem = program === null ? null : programProblem(program, env);
  if (problem) throw problem;
  const deadline = {
    timeoutMs: options.timeoutMs ?? SEND_CMD_DEFAULTS.timeoutMs,
    killGraceMs: options.killGraceMs ?? SEND_CMD_DEFAULTS.killGraceMs,
  };
  if (!Number.isFinite(deadline.timeoutMs) || deadline.timeoutMs <= 0)
    throw new InvalidOptionError('SEND_TIMEOUT', 'a positive number of seconds');
  if (!Number.isFinite(deadline.killGraceMs) || deadline.killGraceMs < 0)
    throw new InvalidOptionError('killGraceMs', 'milliseconds, 0 or more');
  return {
    description: describeSendCmd(command),
    send: (eml) => runSendCmd(command, env, eml, deadline),
    close: () => Promise.resolve(),
  };
}
