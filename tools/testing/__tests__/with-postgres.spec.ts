import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../with-postgres.sh', import.meta.url));

/** Starts `with-postgres.sh` with no arguments, waits for its DATABASE_URL line, signals its own PID, and times how long it takes to exit. */
async function stopWith(signal: NodeJS.Signals): Promise<{ code: number | null; ms: number; dataDirGone: boolean }> {
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no DATABASE_URL within 60 s: ${err}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('DATABASE_URL=') && resolve());
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
  return { code, ms: Date.now() - started, dataDirGone: dataDir !== '' && !existsSync(dataDir) };
}

describe('tools/with-postgres.sh with no arguments', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)(
    'stops on %s sent to its own PID, promptly, and removes its data',
    async (signal, expected) => {
      const result = await stopWith(signal);
      expect(result).toMatchObject({ code: expected, dataDirGone: true });
      expect(result.ms).toBeLessThan(15_000);
    },
    90_000,
  );
});
