import { freePort } from '@veza/test-support';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of the test's own, that the test may stop and start
 * again (the shared one of tools/with-postgres.sh must stay up for the other
 * suites). Debian server binaries; as root, the server runs as `postgres`.
 */
export interface ThrowawayPostgres {
  url: string;
  /** asynchronous, so that the test's own API keeps serving while the server shuts down */
  stop(mode: 'fast' | 'immediate' | 'smart'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP (true) or SIGCONT (false) to the server and its backends: a database that stops answering without closing anything */
  freeze(frozen: boolean): void;
  remove(): void;
}

/** The server's processes: the postmaster (postmaster.pid's first line) and its children. */
function serverProcesses(dataDir: string): number[] {
  const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false; // gone meanwhile
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')));
}

export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'veza-pg-outage-'));
  const root = process.getuid?.() === 0;
  if (root) {
    chmodSync(dir, 0o777);
    execFileSync('chown', ['postgres:postgres', dir]);
  }
  // execFileSync's timeout is the deadline of each step: pg_ctl -w waits at most -t seconds itself, too.
  const run = (args: string[]) => {
    const command = [join(bin, args[0]!), ...args.slice(1)];
    if (root)
      execFileSync('su', ['postgres', '-s', '/bin/sh', '-c', command.map((a) => `'${a}'`).join(' ')], { stdio: 'ignore', timeout: 60_000 });
    else execFileSync(command[0]!, command.slice(1), { stdio: 'ignore', timeout: 60_000 });
  };
  const runAsync = async (args: string[]) => {
    const command = [join(bin, args[0]!), ...args.slice(1)];
    if (root)
      await promisify(execFile)('su', ['postgres', '-s', '/bin/sh', '-c', command.map((a) => `'${a}'`).join(' ')], { timeout: 60_000 });
    else await promisify(execFile)(command[0]!, command.slice(1), { timeout: 60_000 });
  };
  run(['initdb', '-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '-N']);
  const port = await freePort();
  const options = `-k ${dir} -p ${port} -c listen_addresses=127.0.0.1 -F`;
  const start = () => runAsync(['pg_ctl', '-D', join(dir, 'data'), '-l', join(dir, 'pg.log'), '-w', '-t', '30', '-o', options, 'start']);
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: (mode) => runAsync(['pg_ctl', '-D', join(dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']),
    start,
    freeze: (frozen) => {
      for (const pid of serverProcesses(join(dir, 'data'))) process.kill(pid, frozen ? 'SIGSTOP' : 'SIGCONT');
    },
    remove: () => {
      try {
        if (existsSync(join(dir, 'data', 'postmaster.pid'))) run(['pg_ctl', '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
