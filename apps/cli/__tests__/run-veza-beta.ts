import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnv } from '@veza/test-support';

export const BIN = fileURLToPath(new URL('../bin/veza-beta.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real veza-beta launcher as a child process, as an operator would. With `timeoutMs`, a run
 * still going then is killed (SIGKILL: `signal` says so), for a case where the old code hung: its whole
 * process group, the launcher's child too (killed alone, the launcher left its child blocked, holding the
 * pipes: the run never ended, and the child stayed behind).
 */
export function runVezaBeta(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number },
): Promise<CliRun> {
  const env = childEnv({ CI: 'true', NO_COLOR: '1', ...options.env });
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: options.timeoutMs !== undefined, // a group of its own, killed as one
    });
    const deadline =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // the group ended meanwhile
            }
          }, options.timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
