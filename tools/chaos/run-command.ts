import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const VEZA_BETA = fileURLToPath(new URL('../../apps/cli/bin/veza-beta.mjs', import.meta.url));
export const REDEMPTION_API = fileURLToPath(new URL('../../apps/redemption-api/bin/redemption-api.mjs', import.meta.url));

/** How a command is cut short: kill -9 of its whole process group, SIGTERM to the launcher, Ctrl-C once or twice. */
export type Interruption = 'kill-9' | 'sigterm' | 'ctrl-c' | 'ctrl-c-twice';

export interface CommandRecord {
  /** the veza-beta arguments (the label for other actors) */
  args: string[];
  /** extra settings this command ran with (SEND=1, the transport) */
  env: Record<string, string>;
  interruption?: { kind: Interruption; afterMs: number; delivered: boolean };
  startedAt: number;
  endedAt: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** killed by the harness at its own deadline: the command hung */
  hung: boolean;
}

/** One command's deadline: a command of the chaos run sends a dozen emails; past this it hangs. */
const COMMAND_DEADLINE_MS = 120_000;

/**
 * Runs `veza-beta args` in a process group of its own (as a terminal does),
 * cutting it short as `interruption` says, `afterMs` after its start.
 */
export function runCommand(
  args: string[],
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    extraEnv: Record<string, string>;
    interruption?: { kind: Interruption; afterMs: number };
  },
): Promise<CommandRecord> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [VEZA_BETA, ...args], {
    cwd: options.cwd,
    env: { ...options.env, ...options.extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const record: Partial<CommandRecord> = { args, env: options.extraEnv, startedAt, hung: false };
  const timers: NodeJS.Timeout[] = [];
  const signal = (target: number, name: NodeJS.Signals) => {
    try {
      process.kill(target, name);
      return true;
    } catch {
      return false; // already gone
    }
  };
  if (options.interruption) {
    const { kind, afterMs } = options.interruption;
    record.interruption = { kind, afterMs, delivered: false };
    timers.push(
      setTimeout(() => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const pid = child.pid!;
        const delivered =
          kind === 'kill-9' ? signal(-pid, 'SIGKILL') : kind === 'sigterm' ? signal(pid, 'SIGTERM') : signal(-pid, 'SIGINT');
        record.interruption!.delivered = delivered;
        if (kind === 'ctrl-c-twice') timers.push(setTimeout(() => signal(-pid, 'SIGINT'), 300));
      }, afterMs),
    );
  }
  timers.push(
    setTimeout(() => {
      record.hung = true;
      signal(-child.pid!, 'SIGKILL');
    }, COMMAND_DEADLINE_MS),
  );
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, sig) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ ...(record as CommandRecord), endedAt: Date.now(), code, signal: sig, stdout, stderr });
    });
  });
}

/** The command as an operator would type it, for the run's log. */
export function describeCommand(record: Pick<CommandRecord, 'args' | 'env'>): string {
  const env = Object.entries(record.env)
    .filter(([key]) => key === 'SEND' || key === 'SMTP_URL')
    .map(([key, value]) => (key === 'SMTP_URL' ? 'SMTP_URL=sink' : `${key}=${value}`));
  return [...env, 'veza-beta', ...record.args].join(' ');
}
