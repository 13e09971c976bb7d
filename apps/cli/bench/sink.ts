// Starts bench/smtp-sink-process.ts and talks to it; every wait has a deadline.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./smtp-sink-process.ts', import.meta.url));
const DEADLINE_MS = 30_000;

export interface SinkStats {
  messages: number;
  bytes: number;
  cpuMs: number;
}

export interface SinkProcess {
  url: string;
  stats(): Promise<SinkStats>;
  close(): Promise<void>;
}

function withDeadline<T>(what: string, work: (resolve: (value: T) => void, reject: (error: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`smtp sink: no ${what} within ${DEADLINE_MS / 1000} s`)), DEADLINE_MS);
    work(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export async function startSinkProcess(): Promise<SinkProcess> {
  const child = spawn(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', SCRIPT], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let buffered = '';
  const waiting: ((line: string) => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  const nextLine = (what: string) =>
    withDeadline<string>(what, (resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`smtp sink exited with ${code}`));
      child.once('exit', exited);
      waiting.push((line) => {
        child.off('exit', exited);
        resolve(line);
      });
    });
  const { port } = JSON.parse(await nextLine('port')) as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    stats: async () => {
      const line = nextLine('stats');
      child.stdin.write('stats\n');
      return JSON.parse(await line) as SinkStats;
    },
    close: () =>
      withDeadline<void>('exit', (resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }).catch((error: unknown) => {
        child.kill('SIGKILL');
        throw error;
      }),
  };
}
