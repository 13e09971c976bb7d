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
 * Runs an operator command through /bin/sh with a deadline held by a timer
 * that is cleared when the command ends. At the deadline the whole process
 * group is killed (a shell's children too), so a hung command never holds
 * the checklist.
 */
export function runCommand(command: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandOutcome> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += chunk.toString();
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, timedOut: false, stdout, stderr, error: error.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: timedOut ? null : code, timedOut, stdout, stderr, error: null });
    });
  });
}
