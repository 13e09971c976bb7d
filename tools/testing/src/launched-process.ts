import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/**
 * A bin started through tools/launch.mjs the way a terminal starts it: in a
 * process group of its own, so that `ctrlC` signals the launcher and the app
 * at once, as Ctrl-C does. Used by the launcher's own spec and by the apps'
 * signal specs (Ctrl-C, SIGTERM, kill -9 of the launcher).
 */
export interface LaunchedProcess {
  child: ChildProcessWithoutNullStreams;
  /** the launcher's pid (and process group) */
  pid: number;
  /** stdout and stderr so far, interleaved */
  output: () => string;
  /** the first output line matching `pattern`, by the deadline; rejects when the process exits first */
  waitForLine: (pattern: RegExp, deadlineMs?: number) => Promise<string>;
  /** the launcher's exit; past the deadline the whole group is killed and the promise rejects */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** App pids seen by `trackApp`, killed by `killLeftovers` (a failing test must not leave an orphan behind). */
const apps = new Set<number>();

export function startLaunched(
  bin: string,
  options: { args?: string[]; env?: NodeJS.ProcessEnv; cwd?: string; exitDeadlineMs?: number } = {},
): LaunchedProcess {
  const child = spawn(process.execPath, [bin, ...(options.args ?? [])], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const deadlineMs = options.exitDeadlineMs ?? 60_000;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no exit within ${deadlineMs} ms: ${out}`));
    }, deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  exited.catch(() => undefined); // awaited by the test that cares; never an unhandled rejection
  const waitForLine = (pattern: RegExp, lineDeadlineMs = 40_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no line ${pattern} within ${lineDeadlineMs} ms: ${out}`));
      }, lineDeadlineMs);
      const done = () => {
        clearTimeout(timer);
        child.stdout.off('data', check);
        child.stderr.off('data', check);
        child.off('exit', early);
      };
      const check = () => {
        const line = out.split('\n').find((l) => pattern.test(l));
        if (line) {
          done();
          resolve(line);
        }
      };
      const early = () => {
        done();
        reject(new Error(`exited before ${pattern}: ${out}`));
      };
      child.stdout.on('data', check);
      child.stderr.on('data', check);
      child.once('exit', early);
      check();
    });
  return { child, pid: child.pid!, output: () => out, waitForLine, exited };
}

/** Ctrl-C in a terminal: SIGINT to the whole process group (launcher and app). */
export function ctrlC(run: LaunchedProcess): void {
  process.kill(-run.pid, 'SIGINT');
}

/** kill -9 of the launcher alone: nothing is passed on, the app must notice by itself. */
export function killLauncher(run: LaunchedProcess): void {
  process.kill(run.pid, 'SIGKILL');
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is gone by the deadline (polled every 50 ms). */
export async function gone(pid: number, deadlineMs = 20_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (alive(pid) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  return !alive(pid);
}

/** Remembers an app's pid so that `killLeftovers` (in an afterEach) can end it if a test fails before it stops. */
export function trackApp(pid: number): number {
  apps.add(pid);
  return pid;
}

export function killLeftovers(): void {
  for (const pid of apps) if (alive(pid)) process.kill(pid, 'SIGKILL');
  apps.clear();
}

/**
 * What a spec passes on to a child process of the apps, and nothing else of its
 * own environment: PATH, HOME and the folder of this jest run's app bundles
 * (VEZA_PREBUILT_DIR), then `extra`.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'], HOME: process.env['HOME'], VEZA_PREBUILT_DIR: process.env['VEZA_PREBUILT_DIR'], ...extra };
}
