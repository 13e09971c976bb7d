import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../with-postgres.sh', import.meta.url));

/** Starts `with-postgres.sh` with no arguments, waits for its DATABASE_URL line, signals its own PID, and times how long it takes to exit. */
async function stopWith(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number; dataDirGone: boolean; leftovers: string }> {
  // Its own process group, so that what it leaves behind (an orphaned sleep holding our pipes kept jest from exiting once) is visible and cleaned up.
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  try {
    return await stopGroupLeader(child, signal);
  } finally {
    killGroup(child.pid);
  }
}

function groupAlive(pgid: number | undefined): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pgid: number | undefined): void {
  if (groupAlive(pgid)) process.kill(-pgid!, 'SIGKILL');
}

/** Polls until the process group is empty, for at most `ms`; then lists what is still there (pid, state, command), '' when nothing. */
async function leftoverAfter(pgid: number | undefined, ms: number): Promise<string> {
  const until = Date.now() + ms;
  while (groupAlive(pgid) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
  if (!groupAlive(pgid)) return '';
  const table = execFileSync('ps', ['-eo', 'pgid=,pid=,stat=,args='], { encoding: 'utf8' });
  const members = table.split('\n').filter((line) => line.trim().split(/\s+/)[0] === String(pgid));
  return members.join('\n') || `group ${pgid} alive, but ps lists no member`;
}

async function stopGroupLeader(child: ReturnType<typeof spawn>, signal: NodeJS.Signals) {
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no DATABASE_URL within 60 s: ${err}`)), 60_000);
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('DATABASE_URL=') && resolve());
    });
  } finally {
    clearTimeout(timer);
  }
  const dataDir = /data in (\S+),/.exec(err)?.[1] ?? '';
  const started = Date.now();
  child.kill(signal); // the script's own PID, not its sleep
  const code = await new Promise<number | null>((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running 20 s after ${signal}`));
    }, 20_000);
    child.once('exit', (c) => {
      clearTimeout(deadline);
      resolve(c);
    });
  });
  const ms = Date.now() - started;
  return { code, ms, dataDirGone: dataDir !== '' && !existsSync(dataDir), leftovers: await leftoverAfter(child.pid, 15_000) }; // a loaded machine can take seconds to reap su and the server's children
}

describe('tools/with-postgres.sh with no arguments', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'stops on %s sent to its own PID, promptly, removes its data, and leaves no process behind',
    async (signal, expected) => {
      const result = await stopWith(signal);
      expect(result).toMatchObject({ code: expected, dataDirGone: true, leftovers: '' });
      expect(result.ms).toBeLessThan(15_000);
    },
    90_000,
  );
});
