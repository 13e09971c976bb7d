// A PostgreSQL server of a spec's (or the bench's) own, from tools/with-postgres.sh
// (the same binaries as the shared one, PG_BINDIR included): for what another
// client of the shared server would disturb (an open transaction anywhere on
// the server holds back page pruning in every database), or other settings.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../tools/with-postgres.sh', import.meta.url));
const DEADLINE_MS = 60_000;

export interface OwnPostgres {
  url: string;
  stop(): Promise<void>;
}

/** Starts the server (`env`: with-postgres.sh's own, PG_FSYNC=on); `stop` ends it and removes its files. */
export function startOwnPostgres(env: Record<string, string> = {}): Promise<OwnPostgres> {
  const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
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
  return new Promise<OwnPostgres>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`own PostgreSQL: no URL within ${DEADLINE_MS / 1000} s\n${stderr}`)), DEADLINE_MS);
    const fail = (error: Error) => {
      clearTimeout(timer);
      void stop().finally(() => reject(error));
    };
    const early = (code: number | null) => fail(new Error(`own PostgreSQL: with-postgres.sh exited with ${code}\n${stderr}`));
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
