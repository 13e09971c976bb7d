import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

/** The sink and API processes running now: the run ends them when it is stopped itself (Ctrl-C of a long session). */
export const helperProcesses = new Set<ChildProcess>();

/** Starts a process and resolves with what `pattern` captured on its stdout (40 s at most). */
export function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  pattern: RegExp,
): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  helperProcesses.add(child);
  child.once('exit', () => helperProcesses.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      void kill(child, 'SIGKILL');
      reject(new Error(`${args.join(' ')}: no ${pattern} within 40 s: ${out.slice(-300)}`));
    }, 40_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match: match[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}) before ${pattern}: ${out.slice(-300)}`));
    });
  });
}

export function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    try {
      process.kill(-child.pid!, signal);
    } catch {
      resolve();
    }
  });
}
