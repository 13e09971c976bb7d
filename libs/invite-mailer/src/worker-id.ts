import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * Who holds a claim: `host:pid:tag`. The tag is a random part (two senders in one process differ) and,
 * where /proc says, this process's start (clock ticks since boot) and its pid namespace:
 * `rand.start.pidns`. A pid with its start names one process for good (a pid reused since has another
 * start), with no clock to compare: the database's `now()`, which dates a claim, may be minutes off this
 * machine's.
 */
export function newWorkerId(): string {
  const tag = randomBytes(3).toString('hex');
  const self = ownIdentity();
  return `${hostname()}:${process.pid}:${self ? `${tag}.${self.start}${self.pidNamespace ? `.${self.pidNamespace}` : ''}` : tag}`;
}

/**
 * What this machine can tell of the process behind a worker id (`host:pid:tag`, newWorkerId):
 * - `running`: its host is this one and a process has its pid, not a zombie, and it is that process: the
 *   same start as the id's (an id of a veza-beta before 2026-12-01 has none: a process that did not start
 *   more than a minute after `claimedAt`);
 * - `gone`: its host is this one and no process has its pid, or a zombie has it (killed, not yet reaped),
 *   or another process (started at another time: the pid was reused since);
 * - `this-process`: the process is this one: only its lock can tell (two senders in one process);
 * - `unknown`: another host (another machine), another pid namespace (a container sharing this host's
 *   name: its pids are not ours to check), or not an id of newWorkerId.
 *
 * A lock alone cannot tell a dead sender from one whose lock's session was lost (a restarted server,
 * `idle_session_timeout`, a network cut): that one goes on sending what it has with the mailer.
 */
export type WorkerProcess = 'running' | 'gone' | 'this-process' | 'unknown';

/** For an id without its start: a process started more than this long after a claim of its pid is another one (pid reused). */
const START_SKEW_MS = 60_000;

/** The tag of newWorkerId with its process's start and (optionally) pid namespace. */
const BORN = /^[0-9a-f]+\.(\d+)(?:\.(\d+))?$/;

export function workerProcess(worker: string, claimedAt?: Date | null): WorkerProcess {
  const parts = worker.split(':');
  if (parts.length < 3 || parts.slice(0, -2).join(':') !== hostname()) return 'unknown';
  const pid = Number(parts[parts.length - 2]);
  if (!Number.isSafeInteger(pid) || pid <= 1) return 'unknown';
  const [, start, pidNamespace] = BORN.exec(parts[parts.length - 1]!) ?? [];
  if (pidNamespace !== undefined && pidNamespace !== ownIdentity()?.pidNamespace) return 'unknown';
  if (pid === process.pid) return start === undefined || start === ownIdentity()?.start ? 'this-process' : 'gone';
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return 'gone';
    // EPERM: a process of another user has it; /proc says which one
  }
  const stat = procStat(pid);
  if (stat === undefined) return 'running'; // no /proc, or hidden from this user (hidepid)
  if (stat.state === 'Z' || stat.state === 'X') return 'gone';
  if (start !== undefined) return stat.start === start ? 'running' : 'gone';
  const startedAt = stat.startedAtMs;
  return claimedAt && startedAt !== undefined && startedAt > claimedAt.getTime() + START_SKEW_MS ? 'gone' : 'running';
}

/** Linux's clock ticks per second for /proc times (USER_HZ): 100 on every architecture Node runs on. */
const USER_HZ = 100;

/** The state letter and start (ticks since boot, as written) of a process from /proc/<pid>/stat; undefined where there is no /proc. */
function procStat(pid: number | 'self'): { state: string; start: string; startedAtMs: number | undefined } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name, in parentheses, may hold spaces and parentheses: the fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field 22 (starttime, ticks since boot) is fields[19]
  const start = fields[19] ?? '';
  const ticks = Number(start);
  const boot = bootTimeMs();
  const startedAtMs = /^\d+$/.test(start) && boot !== undefined ? boot + (ticks * 1000) / USER_HZ : undefined;
  return { state: fields[0] ?? '', start, startedAtMs };
}

let own: { start: string; pidNamespace: string | undefined } | null | undefined;

/** This process's start (ticks since boot) and pid namespace (its inode), read once; null where /proc does not say. */
function ownIdentity(): { start: string; pidNamespace: string | undefined } | null {
  if (own === undefined) {
    const start = procStat('self')?.start;
    let pidNamespace: string | undefined;
    try {
      pidNamespace = /^pid:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/pid'))?.[1];
    } catch {
      pidNamespace = undefined;
    }
    own = start && /^\d+$/.test(start) ? { start, pidNamespace } : null;
  }
  return own;
}

function bootTimeMs(): number | undefined {
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return btime ? Number(btime[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
