import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** Who holds a claim: host, pid and a random part (two senders in one process differ). */
export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * What this machine can tell of the process behind a worker id (`host:pid:tag`, newWorkerId):
 * - `running`: its host is this one and a process has its pid, not a zombie, and (where /proc says when
 *   processes start) started before the claim, give or take a minute of clock skew with the database;
 * - `gone`: its host is this one and no process has its pid, or a zombie has it (killed, not yet reaped),
 *   or one that started more than a minute after `claimedAt` (the pid was reused since);
 * - `this-process`: the pid is this process's own: only its lock can tell (two senders in one process);
 * - `unknown`: another host (another machine, or a container of this one: its pids are not ours to
 *   check), or not an id of newWorkerId.
 *
 * A lock alone cannot tell a dead sender from one whose lock's session was lost (a restarted server,
 * `idle_session_timeout`, a network cut): that one goes on sending what it has with the mailer.
 */
export type WorkerProcess = 'running' | 'gone' | 'this-process' | 'unknown';

/** A started process more than this long after a claim of its pid is another process (pid reused). */
const START_SKEW_MS = 60_000;

export function workerProcess(worker: string, claimedAt?: Date | null): WorkerProcess {
  const parts = worker.split(':');
  if (parts.length < 3 || parts.slice(0, -2).join(':') !== hostname()) return 'unknown';
  const pid = Number(parts[parts.length - 2]);
  if (!Number.isSafeInteger(pid) || pid <= 1) return 'unknown';
  if (pid === process.pid) return 'this-process';
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: a process of another user has it
    return (error as NodeJS.ErrnoException).code === 'ESRCH' ? 'gone' : 'running';
  }
  const stat = procStat(pid);
  if (stat === undefined) return 'running';
  if (stat.state === 'Z') return 'gone';
  const startedAt = stat.startedAtMs;
  return claimedAt && startedAt !== undefined && startedAt > claimedAt.getTime() + START_SKEW_MS ? 'gone' : 'running';
}

/** Linux's clock ticks per second for /proc times (USER_HZ): 100 on every architecture Node runs on. */
const USER_HZ = 100;

/** The state letter and start time of a process from /proc/<pid>/stat; undefined where there is no /proc. */
function procStat(pid: number): { state: string; startedAtMs: number | undefined } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // the command name, in parentheses, may hold spaces and parentheses: the fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); field 22 (starttime, ticks since boot) is fields[19]
  const ticks = Number(fields[19]);
  const boot = bootTimeMs();
  const startedAtMs = Number.isFinite(ticks) && boot !== undefined ? boot + (ticks * 1000) / USER_HZ : undefined;
  return { state: fields[0] ?? '', startedAtMs };
}

function bootTimeMs(): number | undefined {
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
    return btime ? Number(btime[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}
