// A second throwaway PostgreSQL with fsync on (tools/with-postgres.sh, PG_FSYNC=on),
// for the figures whose baseline is bound by commit durability: the bench
// harness's own server runs with fsync off, where a commit costs no flush.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../tools/with-postgres.sh', import.meta.url));
const DEADLINE_MS = 60_000;

export interface DurablePostgres {
  url: string;
  stop(): Promise<void>;
}

export function startDurablePostgres(): Promise<DurablePostgres> {
  const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PG_FSYNC: 'on' } });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // the script stops and removes its server
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), DEADLINE_MS)));
    try {
      if ((await Promise.race([exited, late])) === 'late') child.kill('SIGKILL');
    } finally {
      clearTimeout(timer);
    }
  };
  return new Promise<DurablePostgres>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`durable PostgreSQL: no URL within ${DEADLINE_MS / 1000} s\n${stderr}`)), DEADLINE_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stop().finally(() => reject(error));
    };
    const early = (code: number | null) => fail(new Error(`durable PostgreSQL: with-postgres.sh exited with ${code}\n${stderr}`));
    child.once('exit', early);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /^DATABASE_URL=(\S+)$/m.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({ url, stop });
    });
  });
}
