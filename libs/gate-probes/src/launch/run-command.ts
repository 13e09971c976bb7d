import { withoutSecretSettings } from '@veza/settings';
import { spawn } from 'node:child_process';

export interface CommandOutcome {
  /** null when killed at the deadline or not started */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** spawn failure (no /bin/sh) */
  error: string | null;
}

/** Output kept per stream: pgbackrest info of a large repository stays well under this. */
const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * How long the output pipes may stay open after the shell has exited (or been
 * killed): a background process the command started (`daemon &`, an ssh
 * ControlPersist master) can hold them for ever, so they are closed then.
 */
const PIPE_GRACE_MS = 1_000;

/**
 * Runs an operator command through /bin/sh with a deadline held by a timer
 * that is cleared when the command ends. At the deadline the whole process
 * group is killed (a shell's children too), so a hung command never holds
 * the checklist. The outcome comes when the shell has exited and its output
 * pipes are closed, or PIPE_GRACE_MS after it exited if something outside the
 * group still holds them: the outcome never waits past the deadline plus that
 * grace. The command gets the environment without veza-beta's secrets
 * (`withoutSecretSettings`): a backup check needs none of them.
 */
export function runCommand(command: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let exitCode: number | null = null;
    let settled = false;
    let grace: NodeJS.Timeout | undefined;
    const child = spawn('/bin/sh', ['-c', command], { env: withoutSecretSettings(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const settle = (outcome: CommandOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(grace);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve(outcome);
    };
    const finish = () => settle({ code: timedOut ? null : exitCode, timedOut, stdout, stderr, error: null });
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
      // the shell is killed; whatever still holds its pipes gets the same grace as after an exit
      grace ??= setTimeout(finish, PIPE_GRACE_MS);
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString();
    });
    child.on('error', (error) => settle({ code: null, timedOut: false, stdout, stderr, error: error.message }));
    child.on('exit', (code) => {
      exitCode = code;
      clearTimeout(grace);
      grace = setTimeout(finish, PIPE_GRACE_MS);
    });
    child.on('close', finish);
  });
}
